import type { Protos } from './proto.js';
import type { SigningKey } from './keys.js';
import type {
  CivilDate, DateRange, Day, DecodedEventBody, EnumLike, EventBody, GetGrantResponse, Int64Like,
  Month, Period, SignedEvent, YearMonth,
} from './messages.js';

export interface ProtosOption { protos?: Protos }

export function civilDate(day: Day, name?: string): CivilDate;
export function yearMonth(month: Month, name?: string): YearMonth;
export function dateRange(first: Day | [Day, Day], last?: Day): DateRange;

/** [camelCase payload name, payload]; throws when there is none or more than one. */
export function payloadOf(body: EventBody, options?: ProtosOption): [string, Record<string, unknown>];
/** "keys", "rules", "budget" or "municipality/GM####", from the payload's (booo.v1.payload) option. */
export function streamFor(body: EventBody, options?: ProtosOption): string;
/** Fills stream, signer key id (and, without an event id, a random one and the client time),
 *  serializes once and signs those bytes. The body passed in is not changed. */
export function sign(body: EventBody, key: SigningKey, options?: ProtosOption): SignedEvent;
export function decodeEventBody(bytes: Uint8Array, options?: ProtosOption): DecodedEventBody;
/** Any payload by name ("locationRegistered" or "location_registered"). */
export function eventBody(payloadName: string, payload: Record<string, unknown>, options?: { eventId?: string }): EventBody;

interface WithEventId {
  /** Your own id (1..128 of [A-Za-z0-9._:-]) makes a retry or rerun sign the same bytes. */
  eventId?: string;
}

export interface GooPlacesDeclaredOptions extends WithEventId {
  municipalityCode: string;
  locationId: string;
  accommodationType: EnumLike;
  period: Period;
  places: Int64Like;
  receivedDate: Day;
}
export function gooPlacesDeclared(options: GooPlacesDeclaredOptions): EventBody;

export interface PooPersonMonthsDeclaredOptions extends WithEventId {
  municipalityCode: string;
  month: Month;
  registeredPersons: Int64Like;
  personsWithProvision: Int64Like;
  receivedDate: Day;
  personRefs?: string[];
}
export function pooPersonMonthsDeclared(options: PooPersonMonthsDeclaredOptions): EventBody;

export interface LivingAllowancePaidOptions extends WithEventId {
  municipalityCode: string;
  receptionKind: EnumLike;
  component: EnumLike;
  period: Period;
  amountCents: Int64Like;
  receivedDate: Day;
}
export function livingAllowancePaid(options: LivingAllowancePaidOptions): EventBody;

export interface AdvancePaidOptions extends WithEventId {
  municipalityCode: string;
  spendingYear: number;
  amountCents: Int64Like;
  paymentDate: Day;
  paymentReference?: string;
}
export function advancePaid(options: AdvancePaidOptions): EventBody;

export interface VoluntaryRepaymentReceivedOptions extends WithEventId {
  municipalityCode: string;
  spendingYear: number;
  amountCents: Int64Like;
  receivedDate: Day;
  paymentReference?: string;
}
export function voluntaryRepaymentReceived(options: VoluntaryRepaymentReceivedOptions): EventBody;

export interface TransitionCostRequestedOptions extends WithEventId {
  municipalityCode: string;
  locationId: string;
  description: string;
  amountCents: Int64Like;
  period: Period;
  allocationMethod: EnumLike;
  receivedDate: Day;
}
export function transitionCostRequested(options: TransitionCostRequestedOptions): EventBody;

/** The ministry's determination of the grant a GetGrant answer computed: amount, trace digest,
 *  the trace's top three levels as trace summary, expectedStreamVersion = answer.streamVersion. */
export function determinationFromGrant(answer: GetGrantResponse, decisionDate: Day, decisionReference: string,
                                       options?: { eventId?: string }): EventBody;
