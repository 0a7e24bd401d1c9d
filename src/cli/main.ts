/** Entry point of `license-bot` (bin/license-bot.js runs the compiled file; `npm run dev` runs this one). */
import { config as loadDotenv } from 'dotenv';
import { runCli } from './run.js';

loadDotenv({ quiet: true });
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// Only set: `serve` keeps running after runCli returns, and the data commands end on their own.
process.exitCode = code;
