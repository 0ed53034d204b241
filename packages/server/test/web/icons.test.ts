import { describe, expect, test } from 'bun:test';
import { ICON_SET_FILE, iconSetSource } from '../../scripts/icons.ts';

describe('icons', () => {
  test('src/web/ui/icon-set.ts is what scripts/icons.ts makes from lucide-static', async () => {
    expect(await Bun.file(ICON_SET_FILE).text()).toBe(iconSetSource());
  });
});
