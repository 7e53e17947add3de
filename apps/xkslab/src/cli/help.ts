import { PRODUCT, VERSION } from '../version.ts';

export const MAIN_HELP = `${PRODUCT} ${VERSION}: a software HSM and AWS KMS External Key Store (XKS) proxy

Usage: xkslab <command> [options]

Commands:
  serve        start the XKS proxy and its virtual cryptographic modules
  audit        verify, tail or query the audit log (verify | tail | query)
  backup FILE  write an encrypted snapshot of the whole database
  restore FILE rebuild a new data directory from a backup (--data-dir NEW)
  conformance  run the XKS conformance suite against a proxy (this one or any other)
  kms          start the AWS KMS emulator (external key stores, SDK-compatible)
  demo         walk through a whole external key store story in one process
  modules      manage modules of a running server (list|create|describe|delete|set-state)
  keys         manage keys (list|create|import|describe|enable|disable|rotate|export|block|...)
  keystores    manage key stores (list|create|describe|update|delete|block|unblock)
  creds        manage key store credentials (list|add|revoke)
  policies     manage secondary-authorization policies (get|set|clear)
  help [CMD]   show help for a command
  version      print the version

Run 'xkslab <command> --help' for a command's options.
`;
