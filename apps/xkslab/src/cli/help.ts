import { PRODUCT, VERSION } from '../version.ts';

export const MAIN_HELP = `${PRODUCT} ${VERSION}: a software HSM and AWS KMS External Key Store (XKS) proxy

Usage: xkslab <command> [options]

Commands:
  serve        start the XKS proxy and its virtual cryptographic modules
  help [CMD]   show help for a command
  version      print the version

Run 'xkslab <command> --help' for a command's options.
`;
