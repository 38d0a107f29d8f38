#!/usr/bin/env node
// `npx gamma …`: the command-line client (scripts/cli/main.ts, run through tsx so it needs no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
