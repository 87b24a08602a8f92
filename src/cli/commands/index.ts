// Every kvmio command, in the order `kvmio --help` lists them. One line each.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { register as audit } from './audit.js';
import { register as collect } from './collect.js';
import { register as fix } from './fix.js';
import { register as verify } from './verify.js';
import { register as rollback } from './rollback.js';
import { register as journal } from './journal.js';
import { register as disk } from './disk.js';
import { register as diskCreate } from './disk-create.js';
import { register as vg } from './vg.js';
import { register as vm } from './vm.js';
import { register as passthrough } from './passthrough.js';
import { register as bench } from './bench.js';
import { register as report } from './report.js';
import { register as exportCmd } from './export.js';

export type Register = (program: Command, ctx: Ctx) => void;

export const COMMANDS: readonly Register[] = [
  audit,
  collect,
  fix,
  verify,
  rollback,
  journal,
  disk,
  diskCreate,
  vg,
  vm,
  passthrough,
  bench,
  report,
  exportCmd,
];
