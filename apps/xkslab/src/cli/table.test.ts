import { describe, expect, it } from 'vitest';
import { formatFields, formatTable, shortTime } from './table.ts';

describe('table formatting', () => {
  it('aligns columns to the widest cell and trims line ends', () => {
    expect(
      formatTable(
        ['NAME', 'STATE', 'KEYS'],
        [
          ['a', 'active', '1'],
          ['longer-name', 'maintenance', '12'],
        ],
      ),
    ).toBe(
      'NAME         STATE        KEYS\na            active       1\nlonger-name  maintenance  12\n',
    );
    expect(formatTable(['A'], [])).toBe('(none)\n');
  });

  it('aligns fields and shortens times', () => {
    expect(
      formatFields([
        ['name', 'm'],
        ['created', 'x'],
      ]),
    ).toBe('name:     m\ncreated:  x\n');
    expect(shortTime('2025-01-31T12:34:56.789Z')).toBe('2025-01-31 12:34:56Z');
    expect(shortTime(null)).toBe('-');
  });
});
