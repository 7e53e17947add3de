import { VcmError } from '@xkslab/vcm';
import { describe, expect, it } from 'vitest';
import { AuditLogError } from './audit/audit-log.ts';
import { CommandError } from './cli/command-io.ts';
import { UsageError } from './cli/flags.ts';
import { SeedFileError } from './cli/seed-file.ts';
import { MasterKeyError } from './master-key.ts';
import { SeedError } from './seed.ts';
import { ListenError } from './server.ts';
import { TlsConfigError } from './tls/tls-config.ts';
import { asUserFacing, UserFacingError } from './user-facing-error.ts';

describe('asUserFacing', () => {
  it('gives a usage mistake exit code 2 and keeps its message', () => {
    const known = asUserFacing(new UsageError('unknown option --prot; did you mean --port?'));
    expect(known).toBeInstanceOf(UserFacingError);
    expect(known?.exitCode).toBe(2);
    expect(known?.message).toBe('unknown option --prot; did you mean --port?');
  });

  it.each([
    ['seed file', new SeedFileError('seed.json: bad')],
    ['seed', new SeedError('seed faults: bad')],
    ['master key', new MasterKeyError('master.key is missing')],
    ['listen', new ListenError('port 7780 is in use')],
    ['TLS', new TlsConfigError('cert.pem: not found')],
    ['audit log', new AuditLogError('audit.log is damaged')],
    ['command', new CommandError('the server did not answer')],
  ])('gives a %s error exit code 1 with its own message and name', (_, error) => {
    const known = asUserFacing(error);
    expect(known).toBe(error);
    expect(known?.exitCode).toBe(1);
    expect(error.name).not.toBe('UserFacingError');
  });

  it('says what to do when the master key does not open the data directory', () => {
    const known = asUserFacing(new VcmError('WRONG_MASTER_KEY', 'unwrap failed'));
    expect(known?.exitCode).toBe(1);
    expect(known?.message).toBe(
      'the master key does not open this data directory; use the master.key it was created with or the right XKSLAB_MASTER_KEY',
    );
  });

  it('passes other module errors on with their message', () => {
    const known = asUserFacing(new VcmError('STORE_UNAVAILABLE', 'the database is locked'));
    expect(known?.message).toBe('the database is locked');
    expect(known?.exitCode).toBe(1);
  });

  it('leaves an unexpected error unexpected', () => {
    expect(asUserFacing(new TypeError('x is undefined'))).toBeUndefined();
    expect(asUserFacing('a string')).toBeUndefined();
  });
});
