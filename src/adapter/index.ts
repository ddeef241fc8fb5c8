/** adapter: the coordinator and sessions; pgwire sees only the session API. */
export * from './session-api.ts';
export { Coordinator, type CoordinatorConfig } from './coordinator.ts';
export { determineTimestamp, type TimestampDecision, type TimestampSelectionInput, type IsolationLevel } from './timestamp-selection.ts';
export { TimestampOracle } from './oracle.ts';
