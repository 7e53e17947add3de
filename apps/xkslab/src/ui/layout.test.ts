import { describe, expect, it } from 'vitest';
import { LongValue, SHORT_CHARS, shorten } from './layout.tsx';

const ARN = `arn:aws:iam::123456789012:role/${'path/'.repeat(300)}${'r'.repeat(517)}`;

async function html(node: unknown): Promise<string> {
  return String(await node);
}

describe('shorten', () => {
  it('keeps a value that fits as it is', () => {
    expect(shorten('ui-key-1')).toBe('ui-key-1');
    expect(shorten('x'.repeat(SHORT_CHARS))).toBe('x'.repeat(SHORT_CHARS));
  });

  it('cuts the middle of a longer one: its start, an ellipsis, its end, max characters', () => {
    expect(ARN).toHaveLength(2048);
    const short = shorten(ARN);
    expect(short).toHaveLength(SHORT_CHARS);
    const [head = '', tail = ''] = short.split('…');
    expect(head).toBe(ARN.slice(0, head.length));
    expect(ARN.endsWith(tail)).toBe(true);
    expect(head.length - tail.length).toBeLessThanOrEqual(1);
    expect(shorten('abcdefghij', 5)).toBe('ab…ij');
  });

  it('keeps an ARN whole up to its account, then its end', () => {
    expect(shorten(ARN, 44)).toBe(`arn:aws:iam::123456789012:…${'r'.repeat(17)}`);
    const role = 'arn:aws:sts::123456789012:assumed-role/payments-app/i-0123456789abcdef0';
    expect(shorten(role, 44)).toBe('arn:aws:sts::123456789012:…0123456789abcdef0');
    // Too little room for the account and an end: the plain middle cut.
    expect(shorten(role, 20)).toBe('arn:aws:st…89abcdef0');
  });
});

describe('LongValue', () => {
  it('shows a short value as it is, without an expander', async () => {
    expect(await html(LongValue({ value: 'ui-key-1', code: true }))).toBe(
      '<span class="long-short"><code>ui-key-1</code></span>',
    );
  });

  it('shortens a long value, the whole of it in the title and in a details that expands', async () => {
    const out = await html(LongValue({ value: ARN }));
    expect(out).toContain(`<summary class="long-short" title="${ARN}">${shorten(ARN)}</summary>`);
    expect(out).toContain(`<span class="full">${ARN}</span>`);
    expect(out).toContain('<button type="button" class="link copy" data-copy="">Copy</button>');
    expect(out.startsWith('<details class="long">')).toBe(true);
  });

  it('in running text or as a link: shortened, the whole value in the title, no details', async () => {
    const inline = await html(LongValue({ value: ARN, inline: true }));
    expect(inline).toBe(`<span class="long-short" title="${ARN}">${shorten(ARN)}</span>`);
    const link = await html(LongValue({ value: ARN, href: '/ui/x' }));
    expect(link).toBe(`<a href="/ui/x" class="long-short" title="${ARN}">${shorten(ARN)}</a>`);
  });

  it('escapes the value everywhere it puts it (text and title)', async () => {
    const nasty = `"><script>alert(1)</script>${'x'.repeat(64)}`;
    const out = await html(LongValue({ value: nasty }));
    expect(out).not.toContain('<script>');
    expect(out).toContain('title="&quot;&gt;&lt;script&gt;');
  });
});
