import { describe, expect, it } from 'vitest';
import { COMMON_HELP } from './admin-command.js';

describe('admin command common options', () => {
  it('warns in --help that --token shows in ps and names the safer sources', () => {
    const tokenHelp = COMMON_HELP.slice(COMMON_HELP.indexOf('--token'));
    expect(tokenHelp).toMatch(/\bps\b/);
    expect(tokenHelp).toContain('XKSLAB_ADMIN_TOKEN');
    expect(tokenHelp).toContain('admin-token');
  });
});
