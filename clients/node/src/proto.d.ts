import type protobuf from 'protobufjs';
import type { CivilDate, Day, Month, YearMonth } from './messages.js';

export const PROTO_FILES: string[];

/** Where the .proto files are: `protoDir`, $BOOO_PROTO_DIR, the package's proto/, or the
 *  repository's proto/ two levels up. */
export function findProtoDir(protoDir?: string): string;

/** The protos of one directory, loaded once (cached). */
export function loadProtos(protoDir?: string): Protos;

export class Protos {
  readonly dir: string;
  readonly root: protobuf.Root;
  type(name: string): protobuf.Type;
  service(name: string): protobuf.Service;
  /** A plain object as the bytes the official protobuf runtimes write (implicit-presence
   *  defaults left out, fields in number order). Throws TypeError/RangeError naming the field. */
  encode(type: string | protobuf.Type, object: object): Buffer;
  /** Bytes as a plain object (int64 as bigint, enums by name, bytes as Buffer). */
  decode<T = Record<string, unknown>>(type: string | protobuf.Type, bytes: Uint8Array): T;
  prepare(type: protobuf.Type, object: object, where: string): Record<string, unknown>;
}

export function snakeCase(name: string): string;
export function civilDate(day: Day, name?: string): CivilDate;
export function yearMonth(month: Month, name?: string): YearMonth;
export function int64String(value: unknown, unsigned: boolean, name?: string): string;
export function toPlain(type: protobuf.Type, message: object): Record<string, unknown>;
