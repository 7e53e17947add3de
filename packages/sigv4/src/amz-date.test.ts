import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmzDate, parseAmzDate } from './amz-date.ts';

describe('formatAmzDate', () => {
  it('writes YYYYMMDDTHHMMSSZ in UTC, dropping milliseconds', () => {
    expect(formatAmzDate(new Date('2015-08-30T12:36:00Z'))).toBe('20150830T123600Z');
    expect(formatAmzDate(new Date('2024-02-29T23:59:59.999Z'))).toBe('20240229T235959Z');
    expect(formatAmzDate(new Date('2024-01-01T00:00:00+02:00'))).toBe('20231231T220000Z');
  });

  it('refuses dates it cannot write', () => {
    expect(() => formatAmzDate(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => formatAmzDate(new Date('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
  });
});

describe('parseAmzDate', () => {
  it('reads the strict form', () => {
    expect(parseAmzDate('20150830T123600Z')?.toISOString()).toBe('2015-08-30T12:36:00.000Z');
    expect(parseAmzDate('20240229T000000Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it.each([
    '2015-08-30T12:36:00Z',
    '20150830T123600',
    '20150830T123600.000Z',
    '20150830t123600Z',
    '20150830T123600Z ',
    '20150830T1236Z',
    '2015083T123600Z',
    '20230229T000000Z',
    '20151301T000000Z',
    '20150800T000000Z',
    '20150830T240000Z',
    '20150830T126000Z',
    '20150830T123660Z',
    '00500830T123600Z',
    '２0150830T123600Z',
    '',
  ])('rejects %j', (s) => {
    expect(parseAmzDate(s)).toBeUndefined();
  });

  it('round-trips every second of years 1000..9999', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          const s = formatAmzDate(d);
          expect(s).toMatch(/^\d{8}T\d{6}Z$/);
          expect(parseAmzDate(s)?.getTime()).toBe(Math.floor(d.getTime() / 1000) * 1000);
        },
      ),
    );
  });
});

describe('parseAmzDate on repeated values (the one-entry memo)', () => {
  it('gives the same answer as a first parse, a fresh Date each time, in any order', () => {
    const values = fc.oneof(
      fc
        .date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
        .map(formatAmzDate),
      fc.constantFrom('20240230T000000Z', '20150830T246000Z', 'garbage', '', '00991231T235959Z'),
    );
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 8 }), (seq) => {
        const answers = seq.map((v) => parseAmzDate(v));
        for (const [i, v] of seq.entries()) {
          const again = parseAmzDate(v);
          expect(again?.getTime()).toBe(answers[i]?.getTime());
          if (again !== undefined) {
            expect(again).not.toBe(parseAmzDate(v));
            expect(formatAmzDate(again)).toBe(v);
          }
        }
      }),
    );
    const first = parseAmzDate('20150830T123600Z');
    first?.setTime(0);
    expect(parseAmzDate('20150830T123600Z')?.toISOString()).toBe('2015-08-30T12:36:00.000Z');
  });
});
