/** For JSON.stringify: bigint as a decimal string, bytes as lowercase hex. */
export function jsonReplacer(this: any, key: string, value: unknown): unknown;
