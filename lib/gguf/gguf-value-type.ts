// GGUF metadata value types (enum gguf_type, formats.md 1.2) and the shapes the
// reader returns them in.

export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

const VALUE_TYPE_NAMES = [
  "UINT8",
  "INT8",
  "UINT16",
  "INT16",
  "UINT32",
  "INT32",
  "FLOAT32",
  "BOOL",
  "STRING",
  "ARRAY",
  "UINT64",
  "INT64",
  "FLOAT64",
] as const;

export type GgufValueTypeName = (typeof VALUE_TYPE_NAMES)[number];

export function isGgufValueType(id: number): id is GgufValueType {
  return Number.isInteger(id) && id >= 0 && id < VALUE_TYPE_NAMES.length;
}

export function ggufValueTypeName(id: GgufValueType): GgufValueTypeName {
  return VALUE_TYPE_NAMES[id] as GgufValueTypeName;
}

/** Encoded size of a fixed-size scalar type; undefined for STRING and ARRAY. */
export function fixedValueSize(id: GgufValueType): number | undefined {
  switch (id) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return undefined;
  }
}

/** Smallest possible encoding of one value: bounds element counts against bytes left. */
export function minValueSize(id: GgufValueType): number {
  if (id === GgufValueType.STRING) return 8; // u64 length, empty body
  if (id === GgufValueType.ARRAY) return 12; // u32 element type + u64 count, no elements
  return fixedValueSize(id) ?? 1;
}

export function isIntegerValueType(id: GgufValueType): boolean {
  return id <= GgufValueType.INT32 || id === GgufValueType.UINT64 || id === GgufValueType.INT64;
}

/**
 * An array as read: whole when short (per-layer hyperparameters), otherwise only
 * the first items (token lists run to 256k entries and are never materialised).
 */
export interface GgufArray {
  readonly kind: "array";
  readonly elementType: GgufValueType;
  readonly length: number;
  /** Leading items; every item when `truncated` is false. */
  readonly head: readonly GgufValue[];
  readonly truncated: boolean;
}

/** 8/16/32-bit integers and floats are numbers, 64-bit integers bigints. */
export type GgufValue = number | bigint | boolean | string | GgufArray;

export interface GgufMetadataEntry {
  readonly key: string;
  readonly type: GgufValueType;
  readonly value: GgufValue;
}
