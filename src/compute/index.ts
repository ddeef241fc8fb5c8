/** compute: rendering MIR into dataflows, index exports and peeks, materialized-view sinks, the controller. */
export type { ComputeCommand, ComputeResponse, DataflowDescription } from './protocol.ts';
export { ComputeController, errorsShardId } from './controller.ts';
export { applyFinishing, expandCounts } from './finishing.ts';
export { evaluateMir, consolidate, type Multiset, type BatchResult, type BatchInputs } from './batch-eval.ts';
export { RenderContext, type RenderedCollection, type ImportedIndex } from './render.ts';
export { SubscribeExport } from './subscribe.ts';
export { planJoin, planDeltaJoin, planDeltaPaths, type JoinPlan, type JoinStep } from './join-plan.ts';
