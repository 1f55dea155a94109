// Public surface of the CLI.
export { buildProgram, main } from './main.js';
