import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, lineColumn } from './json-position.ts';

/** V8's offset for the messages that carry one ("... in JSON at position N"). */
function v8Offset(text: string): number | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const m = /at position (\d+)/.exec(e instanceof Error ? e.message : '');
    return m ? Number(m[1]) : undefined;
  }
}

describe('findJsonSyntaxError', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const text of [
      '{}',
      '[]',
      ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {}} ',
      '"s"',
      '0',
    ]) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxError(text), text).toBeUndefined();
    }
  });

  it('finds the offset V8 names, where V8 names one', () => {
    for (const text of [
      '{\n  "a": 1\n  "b": 2}',
      '[1 2]',
      '{"a" 1}',
      '{"a": 1,}',
      '{"a":1}}',
      '{// comment\n}',
      '{"a": "x\nb"}',
    ]) {
      const offset = v8Offset(text);
      expect(offset, text).toBeTypeOf('number');
      expect(findJsonSyntaxError(text)?.offset, text).toBe(offset);
    }
  });

  it('finds errors V8 reports without a position', () => {
    expect(findJsonSyntaxError('[1,]')).toMatchObject({ offset: 3, line: 1, column: 4 });
    expect(findJsonSyntaxError('{"a": tru}')).toMatchObject({ offset: 6 });
    expect(findJsonSyntaxError('{"a": \'x\'}')).toMatchObject({ offset: 6 });
    expect(findJsonSyntaxError('{"modules": [')).toMatchObject({
      offset: 13,
      message: 'expected a value, found end of input',
    });
    expect(findJsonSyntaxError('')).toMatchObject({ offset: 0, line: 1, column: 1 });
  });

  it('says line and column from 1', () => {
    const text = '{\n  "modules": [\n    {\n      "name": "m" "nodes": 1\n';
    expect(findJsonSyntaxError(text)).toMatchObject({
      line: 4,
      column: 19,
      message: "expected ',' or '}' after the property value, found '\"'",
    });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
