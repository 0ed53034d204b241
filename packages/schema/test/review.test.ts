import { expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { BaselineInput, CompareInput, Image, ReviewLimits } from '../src/index.ts';
import reference from './fixtures/chevereto-reference-reply.json';

const files = [{ name: 'settings/dark.png', image_id: 'cL' }];

test('baseline and compare requests: names, ids, branches and the threshold are bounded', () => {
  expect(Value.Check(BaselineInput, { project: 'acme/web#screens', branch: 'main', files })).toBe(
    true,
  );
  expect(
    Value.Check(CompareInput, { project: 'p', base_branch: 'main', threshold: 0, files }),
  ).toBe(true);
  for (const bad of [
    { project: '', branch: 'main', files },
    { project: 'p', branch: '', files },
    { project: 'p', branch: 'main', files: [{ name: '', image_id: 'cL' }] },
    { project: 'p', branch: 'main', files: [{ name: 'x'.repeat(501), image_id: 'cL' }] },
    { project: 'p', branch: 'main', files: [{ name: 'a.png' }] },
    {
      project: 'p',
      branch: 'main',
      files: Array.from({ length: ReviewLimits.maxFiles + 1 }, (_, i) => ({
        name: `${i}.png`,
        image_id: 'cL',
      })),
    },
  ]) {
    expect(Value.Check(BaselineInput, bad)).toBe(false);
  }
  for (const threshold of [-0.1, 1.5, '0.1']) {
    expect(Value.Check(CompareInput, { project: 'p', base_branch: 'main', threshold, files })).toBe(
      false,
    );
  }
  expect(
    Value.Check(CompareInput, { project: 'p', base_branch: 'main', pull_request: 0, files }),
  ).toBe(false);
});

test("the image object's type may be 'file', Upshot's build artifacts", () => {
  expect(Value.Check(Image, { ...reference.image, type: 'file' })).toBe(true);
  expect(Value.Check(Image, { ...reference.image, type: 'archive' })).toBe(false);
});
