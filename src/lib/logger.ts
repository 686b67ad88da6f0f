import { pino } from "pino";

/** Structured logger (JSON lines on stderr); every process names itself. */
export type Logger = pino.Logger;

export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { name } }, pino.destination(2));
}
