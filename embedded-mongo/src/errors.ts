/**
 * A MongoDB server error: the driver turns `{ ok: 0, code, codeName, errmsg }` into a
 * MongoServerError, so throwing this anywhere in a command yields the reply a real server gives.
 */
export class MongoCommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'MongoCommandError';
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

/** The error codes this store raises, named as MongoDB names them (see error_codes.yml). */
export const ErrorCodes = {
  InternalError: [1, 'InternalError'],
  BadValue: [2, 'BadValue'],
  NoSuchKey: [4, 'NoSuchKey'],
  FailedToParse: [9, 'FailedToParse'],
  TypeMismatch: [14, 'TypeMismatch'],
  InvalidLength: [16, 'InvalidLength'],
  IllegalOperation: [20, 'IllegalOperation'],
  IndexNotFound: [27, 'IndexNotFound'],
  PathNotViable: [28, 'PathNotViable'],
  ConflictingUpdateOperators: [40, 'ConflictingUpdateOperators'],
  CursorNotFound: [43, 'CursorNotFound'],
  NamespaceExists: [48, 'NamespaceExists'],
  DollarPrefixedFieldName: [52, 'DollarPrefixedFieldName'],
  InvalidIdField: [53, 'InvalidIdField'],
  EmptyFieldName: [56, 'EmptyFieldName'],
  CommandNotFound: [59, 'CommandNotFound'],
  ImmutableField: [66, 'ImmutableField'],
  CannotCreateIndex: [67, 'CannotCreateIndex'],
  IndexAlreadyExists: [68, 'IndexAlreadyExists'],
  InvalidOptions: [72, 'InvalidOptions'],
  InvalidNamespace: [73, 'InvalidNamespace'],
  IndexOptionsConflict: [85, 'IndexOptionsConflict'],
  IndexKeySpecsConflict: [86, 'IndexKeySpecsConflict'],
  NamespaceNotFound: [26, 'NamespaceNotFound'],
  InvalidBSON: [22, 'InvalidBSON'],
  OperationFailed: [96, 'OperationFailed'],
  NotImplemented: [238, 'NotImplemented'],
  CommandNotSupported: [115, 'CommandNotSupported'],
  CommandNotSupportedOnView: [166, 'CommandNotSupportedOnView'],
  ViewDepthLimitExceeded: [165, 'ViewDepthLimitExceeded'],
  DocumentValidationFailure: [121, 'DocumentValidationFailure'],
  InvalidViewDefinition: [182, 'InvalidViewDefinition'],
  Location40324: [40324, 'Location40324'],
  Unauthorized: [13, 'Unauthorized'],
  DuplicateKey: [11000, 'DuplicateKey'],
  UnknownField: [40415, 'Location40415'],
  Location31254: [31254, 'Location31254'],
  BSONObjectTooLarge: [10334, 'BSONObjectTooLarge'],
  CannotExtractGeoKeys: [16755, 'Location16755'],
  NoQueryExecutionPlans: [291, 'NoQueryExecutionPlans'],
  ConflictingOperationInProgress: [117, 'ConflictingOperationInProgress'],
  TransactionTooOld: [225, 'TransactionTooOld'],
  NoSuchTransaction: [251, 'NoSuchTransaction'],
  OperationNotSupportedInTransaction: [263, 'OperationNotSupportedInTransaction'],
  ShutdownInProgress: [91, 'ShutdownInProgress'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorName = keyof typeof ErrorCodes;

/** Builds a MongoCommandError from a code name, so call sites read like MongoDB's own source. */
export function mongoError(name: ErrorName, message: string, extra?: Record<string, unknown>): MongoCommandError {
  const [code, codeName] = ErrorCodes[name];
  return new MongoCommandError(code, codeName, message, extra);
}

/** Normalises anything thrown (mingo errors, SQLite errors, bugs) into a MongoDB error reply. */
export function toErrorReply(err: unknown): Record<string, unknown> {
  if (err instanceof MongoCommandError) return err.toReply();
  const message = err instanceof Error ? err.message : String(err);
  // mingo reports unknown operators and bad expressions as plain Errors: those are the client's fault.
  return { ok: 0, errmsg: message, code: 2, codeName: 'BadValue' };
}
