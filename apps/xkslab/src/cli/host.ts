/**
 * The process as the commands see it: the environment values, the terminal, the stop signal,
 * sockets, the database opener, the clock and the random source, in one `Host` that main.ts
 * builds once (the only file that reads the environment) and every command's run takes what it
 * needs from (commands.ts).
 */
import type { AddonLoader, LevelRecordStore, Pkcs11PinSource } from '@xkslab/vcm';
import type { closeServer, listen } from '../server.ts';
import type { CommandIo } from './command-io.ts';

/** The process as the commands see it; built once by main.ts. */
export type Host = {
  io: CommandIo;
  env: {
    masterKey: string | undefined;
    kmsMasterKey: string | undefined;
    adminUrl: string | undefined;
    adminToken: string | undefined;
    conformanceSecret: string | undefined;
    conformanceSecondSecret: string | undefined;
  };
  terminal: {
    stdinIsTty: boolean;
    stdoutIsTty: boolean;
    stderrIsTty: boolean;
    columns: number | undefined;
    ask: (question: string) => Promise<string>;
    waitForEnter: () => Promise<void>;
  };
  /** Resolves on the first SIGINT or SIGTERM after the call. */
  stopSignal: () => Promise<string>;
  /** From the call on, every file and directory the process creates is its user's only. */
  privateFiles: () => void;
  listen: typeof listen;
  closeServer: typeof closeServer;
  openStore: (dir: string) => Promise<LevelRecordStore>;
  makeTempDir: () => Promise<string>;
  removeDir: (dir: string) => Promise<void>;
  clock: () => Date;
  random: (n: number) => Uint8Array;
  /** Reads a `pkcs11` module's PIN from the environment variable or file its config names. */
  pkcs11Pin: Pkcs11PinSource;
  /** Loads the `native` engine's addon: the single executable's embedded copy, or the package's. */
  loadAesGcm: AddonLoader;
};
