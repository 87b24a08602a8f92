// Every kvmio command, in the order `kvmio --help` lists them. One line each.
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { register as audit } from './audit.js';
import { register as collect } from './collect.js';
import { register as disk } from './disk.js';
import { register as vm } from './vm.js';

export type Register = (program: Command, ctx: Ctx) => void;

export const COMMANDS: readonly Register[] = [
  audit,
  collect,
  disk,
  vm,
];
