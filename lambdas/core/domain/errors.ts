/** Domain errors. Adapters translate SDK failures into these; handlers map them to responses in one place. */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** A guarded state transition's condition did not hold: the entity was not in an allowed source state. */
export class TransitionError extends DomainError {
  override readonly name = 'TransitionError';
  constructor(
    readonly entity: string,
    readonly id: string,
    readonly to: string,
    readonly allowedFrom: readonly string[],
  ) {
    super(`${entity} ${id} cannot move to ${to}: it is not ${allowedFrom.join(' or ')}`);
  }
}

/** The entity already exists (an idempotent create found its earlier self). */
export class AlreadyExistsError extends DomainError {
  override readonly name = 'AlreadyExistsError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} already exists`);
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

/** The caller holds as much of a bounded resource as it may; it can retry once some is given back (429). */
export class TooManyRequestsError extends DomainError {
  override readonly name = 'TooManyRequestsError';
}

export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
}

/** A source file the transcoder cannot use; the message is shown to the user as the asset's error. */
export class InvalidInputError extends DomainError {
  override readonly name = 'InvalidInputError';
}
