import { describe, expect, test } from 'bun:test';
import { avifRanges, metadataRanges } from '../../src/media/containers.ts';
import { processImage } from '../../src/media/image.ts';
import {
  MAX_XMP_BYTES,
  readTextMetadata,
  xmpProperties,
  xmpProperty,
} from '../../src/media/metadata.ts';
import { sniffType } from '../../src/media/sniff.ts';
import * as f from '../fixtures/images.ts';
import {
  gifWithXmp,
  HOSTILE_UNITS,
  jpegWithXmp,
  pngWithXmp,
  repeated,
  wrap,
} from './hostile-xmp.ts';

const MB = 1_000_000;
// Generous: a linear parse of a megabyte takes tens of milliseconds; the old regexes took
// 3 to 46 seconds per file on these packets.
const QUICK_MS = 1000;

const CONTAINERS = [
  ['gif', gifWithXmp],
  ['png', pngWithXmp],
  ['jpeg', jpegWithXmp],
] as const;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('XMP properties', () => {
  const rdf = (body: string) =>
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description rdf:about="">${body}</rdf:Description></rdf:RDF></x:xmpmeta>`;

  test('rdf:Alt prefers x-default; Seq and Bag give their first item', () => {
    const alt =
      '<dc:title><rdf:Alt><rdf:li xml:lang="fr">Bonjour</rdf:li><rdf:li xml:lang="x-default">Hello</rdf:li></rdf:Alt></dc:title>';
    expect(xmpProperty(rdf(alt), 'dc:title')).toBe('Hello');
    const seq =
      '<dc:description><rdf:Seq><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Seq></dc:description>';
    expect(xmpProperty(rdf(seq), 'dc:description')).toBe('one');
    const bag = '<dc:title><rdf:Bag><rdf:li xml:lang="de">Hallo</rdf:li></rdf:Bag></dc:title>';
    expect(xmpProperty(rdf(bag), 'dc:title')).toBe('Hallo');
  });

  test('plain text, attributes, entities and CDATA', () => {
    expect(
      xmpProperty(
        rdf('<photoshop:Headline>Big &amp; bold</photoshop:Headline>'),
        'photoshop:Headline',
      ),
    ).toBe('Big & bold');
    const attributes = `<x:xmpmeta><rdf:RDF><rdf:Description dc:title="A &lt;b&gt; &#x263A; &#9731;" photoshop:Headline='single'/></rdf:RDF></x:xmpmeta>`;
    expect(xmpProperties(attributes, ['dc:title', 'photoshop:Headline', 'dc:description'])).toEqual(
      { 'dc:title': 'A <b> ☺ ☃', 'photoshop:Headline': 'single', 'dc:description': undefined },
    );
    expect(xmpProperty(rdf('<dc:title><![CDATA[a < b]]></dc:title>'), 'dc:title')).toBe('a < b');
    // Markup inside an item is dropped, its text kept.
    expect(
      xmpProperty(
        rdf('<dc:title><rdf:Alt><rdf:li>x<!-- c --><b>y</b></rdf:li></rdf:Alt></dc:title>'),
        'dc:title',
      ),
    ).toBe('xy');
  });

  test('an element wins over an attribute, even a later one', () => {
    const both =
      '<x:xmpmeta><rdf:RDF><rdf:Description dc:title="attribute"/><rdf:Description><dc:title>element</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>';
    expect(xmpProperty(both, 'dc:title')).toBe('element');
  });

  test('malformed XML never throws: best effort', () => {
    for (const broken of [
      '<dc:title>unclosed',
      '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">half',
      '</dc:title></rdf:li>>>><<<',
      '<dc:title attr="no end>text</dc:title>',
      '&bogus; &#xFFFFFFFFF; <![CDATA[',
      '\u0000\uFFFD<?xpacket',
      '',
    ]) {
      expect(() => xmpProperty(broken, 'dc:title')).not.toThrow();
    }
    expect(xmpProperty('<dc:title>fine</dc:title><dc:title>', 'dc:title')).toBe('fine');
  });
});

describe('hostile XMP packets', () => {
  for (const [extension, make] of CONTAINERS) {
    test(`${extension}: 1 MB of repeated, unclosed or nested tags is read quickly and gives nothing`, async () => {
      for (const [name, unit] of Object.entries(HOSTILE_UNITS)) {
        const bytes = await make(wrap(repeated(unit, MB)));
        const { value, ms } = await timed(() => readTextMetadata(bytes, extension));
        const expected =
          name === 'openAttribute'
            ? // The attribute runs to the next quote, as in any XML reader.
              { title: '<rdf:Description dc:title=', description: null }
            : { title: null, description: null };
        expect({ name, value, quick: ms < QUICK_MS }).toEqual({
          name,
          value: expected,
          quick: true,
        });
      }
    });

    test(`${extension}: a real title before 1 MB of unclosed tags is still found`, async () => {
      const xmp = wrap(
        `<rdf:Description><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Real title</rdf:li></rdf:Alt></dc:title>${repeated('<dc:description>', MB)}`,
      );
      const bytes = await make(xmp);
      const { value, ms } = await timed(() => readTextMetadata(bytes, extension));
      expect({ value, quick: ms < QUICK_MS }).toEqual({
        value: { title: 'Real title', description: null },
        quick: true,
      });
    });
  }

  test('the hostile GIF is still an image: processed whole, quickly', async () => {
    const bytes = await gifWithXmp(wrap(repeated(HOSTILE_UNITS.unclosedTitle, MB)));
    const { value, ms } = await timed(async () =>
      processImage({
        bytes,
        type: await sniffType(bytes),
        maxPixels: 100_000_000,
        stripGps: false,
      }),
    );
    expect([value.title, value.main.width, ms < 5 * QUICK_MS]).toEqual([null, 16, true]);
  });

  test('only the first MAX_XMP_BYTES of XMP in a file are read', async () => {
    const title = '<rdf:Description><dc:title>Late title</dc:title></rdf:Description>';
    const early = await pngWithXmp(wrap(title + ' '.repeat(MAX_XMP_BYTES)));
    expect((await readTextMetadata(early, 'png')).title).toBe('Late title');
    const late = await pngWithXmp(wrap(' '.repeat(MAX_XMP_BYTES) + title));
    expect((await readTextMetadata(late, 'png')).title).toBeNull();
    // The budget is per file: many packets add up.
    const packets = await jpegWithXmp(wrap(' '.repeat(MAX_XMP_BYTES) + title));
    expect(metadataRanges(packets, 'jpeg').xmp.length).toBeGreaterThan(10);
    expect((await readTextMetadata(packets, 'jpeg')).title).toBeNull();
  });
});

describe('container walks are linear', () => {
  test('an AVIF iloc whose items claim 65535 empty extents each is stepped over at once', () => {
    const encoder = new TextEncoder();
    const box = (type: string, body: Uint8Array) => {
      const out = new Uint8Array(8 + body.length);
      new DataView(out.buffer).setUint32(0, out.length);
      out.set(encoder.encode(type), 4);
      out.set(body, 8);
      return out;
    };
    const infe = box(
      'infe',
      f.concat(new Uint8Array([2, 0, 0, 0, 0, 1, 0, 0]), encoder.encode('Exif')),
    );
    const iinf = box('iinf', f.concat(new Uint8Array([0, 0, 0, 0, 0, 1]), infe));
    // Version 2: a 32-bit item count; each item is id 2, data reference 0, 65535 extents
    // with every size field zero.
    const items = 150_000;
    const header = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    new DataView(header.buffer).setUint32(6, items);
    const item = new Uint8Array([0, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff]);
    const body = new Uint8Array(header.length + items * item.length);
    body.set(header);
    for (let i = 0; i < items; i++) body.set(item, header.length + i * item.length);
    const file = f.concat(
      box('ftyp', encoder.encode('avifmif1')),
      box('meta', f.concat(new Uint8Array(4), iinf, box('iloc', body))),
    );
    const start = performance.now();
    expect(avifRanges(file)).toEqual({ xmp: [] });
    expect(performance.now() - start).toBeLessThan(QUICK_MS);
  });
});
