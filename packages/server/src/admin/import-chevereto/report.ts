// The closing report of `upshot-admin import-chevereto`: counts per kind, every row not
// imported and why, every row imported differently from Chevereto and how, files, time.

export type Kind = 'users' | 'categories' | 'albums' | 'keys' | 'images';
export const KINDS: Kind[] = ['users', 'categories', 'albums', 'keys', 'images'];

const SINGULAR: Record<Kind, string> = {
  users: 'user',
  categories: 'category',
  albums: 'album',
  keys: 'API key',
  images: 'image',
};

export interface Entry {
  kind: Kind;
  id: number;
  text: string;
}

export class ImportReport {
  readonly started = Date.now();
  finished: number | null = null;
  readonly counts = Object.fromEntries(
    KINDS.map((kind) => [kind, { imported: 0, already: 0, skipped: 0 }]),
  ) as Record<Kind, { imported: number; already: number; skipped: number }>;
  /** Rows not imported, with the reason. */
  readonly skipped: Entry[] = [];
  /** Rows imported, but not exactly as they were (mapped privacy, renamed user...). */
  readonly notes: Entry[] = [];
  readonly files = { count: 0, bytes: 0 };
  /** Files adopted where they were (`--in-place`) rather than copied. */
  inPlace = false;

  constructor(readonly dryRun: boolean) {}

  imported(kind: Kind, n = 1) {
    this.counts[kind].imported += n;
  }
  already(kind: Kind, n = 1) {
    this.counts[kind].already += n;
  }
  skip(kind: Kind, id: number, reason: string) {
    this.counts[kind].skipped++;
    this.skipped.push({ kind, id, text: reason });
  }
  note(kind: Kind, id: number, text: string) {
    this.notes.push({ kind, id, text });
  }

  get seconds(): number {
    return ((this.finished ?? Date.now()) - this.started) / 1000;
  }

  format(): string {
    const verb = this.dryRun ? 'would be imported' : 'imported';
    const lines = [
      this.dryRun ? 'Chevereto import: DRY RUN, nothing was written' : 'Chevereto import: done',
      ...KINDS.map((kind) => {
        const c = this.counts[kind];
        return `  ${kind.padEnd(10)} ${c.imported} ${verb}, ${c.already} already there, ${c.skipped} skipped`;
      }),
    ];
    const entry = (e: Entry) => `  ${SINGULAR[e.kind]} ${e.id}: ${e.text}`;
    // Rows of a batch finish in any order: listed by kind, then id.
    const sorted = (entries: Entry[]) =>
      [...entries].sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.id - b.id);
    if (this.skipped.length > 0) lines.push('Skipped:', ...sorted(this.skipped).map(entry));
    if (this.notes.length > 0) {
      lines.push(
        `Imported differently${this.dryRun ? ' (would be)' : ''}:`,
        ...sorted(this.notes).map(entry),
      );
    }
    const mb = this.files.bytes / 1_000_000;
    const seconds = this.seconds;
    lines.push(
      `Files: ${this.files.count} ${this.dryRun ? 'found' : this.inPlace ? 'stored or adopted in place' : 'stored and verified'} (${mb.toFixed(1)} MB)`,
      `Time: ${seconds.toFixed(1)} s` +
        (this.counts.images.imported > 0 && seconds > 0
          ? ` (${(this.counts.images.imported / seconds).toFixed(0)} images/s, ${(mb / seconds).toFixed(1)} MB/s)`
          : ''),
    );
    return lines.join('\n');
  }
}
