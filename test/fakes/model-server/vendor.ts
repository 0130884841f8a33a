import type { FakeUsage } from './script.js';

/** A tool call in the vendor's own names and argument shape. */
export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
  /** Responses API freeform tools (`apply_patch`) carry raw text instead of JSON arguments. */
  freeform?: string;
}

/** What one scripted reply says, before it is encoded for a vendor. */
export interface VendorReply {
  /** A per-server counter: ids in the reply are unique and traceable to a request. */
  seq: number;
  text?: string;
  tool?: ToolCall | undefined;
  usage: Required<FakeUsage>;
}
