import { MongoCommandError } from '../errors.js';

/**
 * Errors only change streams raise, with mongod's codes and the error labels drivers act on:
 * `NonResumableChangeStreamError` stops the driver from resuming, `ResumableChangeStreamError`
 * makes it resume on another connection.
 */
const CODES = {
  NoMatchingDocument: [47, 'NoMatchingDocument', undefined],
  ShutdownInProgress: [91, 'ShutdownInProgress', 'ResumableChangeStreamError'],
  CursorKilled: [237, 'CursorKilled', undefined],
  InvalidResumeToken: [260, 'InvalidResumeToken', undefined],
  ChangeStreamFatalError: [280, 'ChangeStreamFatalError', 'NonResumableChangeStreamError'],
  ChangeStreamHistoryLost: [286, 'ChangeStreamHistoryLost', 'NonResumableChangeStreamError'],
  NotAReplicaSet: [40573, 'Location40573', undefined],
  NotFirstStage: [40602, 'Location40602', undefined],
  OneResumeOption: [40674, 'Location40674', undefined],
} as const satisfies Record<string, readonly [number, string, string | undefined]>;

export function changeStreamError(name: keyof typeof CODES, message: string): MongoCommandError {
  const [code, codeName, label] = CODES[name];
  return new MongoCommandError(code, codeName, message, label ? { errorLabels: [label] } : {});
}
