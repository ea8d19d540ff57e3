import { Command, Option } from 'commander';
import { VERSION } from '../version.js';
import { registerAdmin } from './admin-local.js';
import { registerBackup } from './backup.js';
import { registerBench } from './bench.js';
import { registerProfileCommand } from './chat/profile-cli.js';
import { registerAccountCommands } from './client-account.js';
import { registerClientCommands } from './client-commands.js';
import { registerCluster } from './cluster.js';
import { registerExport } from './export.js';
import { registerServe } from './serve.js';
import { registerVerify } from './verify.js';

/** The `parley` command line. */
const program = new Command()
  .name('parley')
  .description('Parley: a self-hostable, distributed chat service')
  .version(VERSION)
  .showHelpAfterError()
  .addOption(new Option('--no-color', 'disable colors').hideHelp());

registerServe(program);
registerBackup(program);
registerExport(program);
registerAdmin(program);
registerClientCommands(program);
registerAccountCommands(program);
registerProfileCommand(program);
registerBench(program);
registerCluster(program);
registerVerify(program);

await program.parseAsync(process.argv);
