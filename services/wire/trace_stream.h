// A grant's traces as StreamGrantTrace sends them (proto/booo/v1/grants_service.proto): node by
// node, depth first, each with its path, in chunks. The first chunk carries the answer without
// its traces and the first node alone, so that a client has something at once; later chunks
// hold up to kChunkNodes nodes or about kChunkBytes, so that a trace of a million nodes is not a
// million messages.
#ifndef BOOO_SERVICES_WIRE_TRACE_STREAM_H_
#define BOOO_SERVICES_WIRE_TRACE_STREAM_H_

#include <cstddef>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "booo/v1/grants_service.pb.h"
#include "services/wire/grant_response.h"

namespace booo::wire {

inline constexpr size_t kChunkNodes = 512;
inline constexpr size_t kChunkBytes = 64 << 10;

// Walks `traces` as `request` selects (trace_path, trace_depth) and hands each chunk to `send`,
// which returns false when the receiver went away: the walk stops there with CANCELLED.
// NOT_FOUND naming trace_path, before anything is sent, when the grant's trace has no such node.
absl::Status StreamTraces(const GrantTraces& traces, const booo::v1::GetGrantRequest& request,
                          booo::v1::GetGrantResponse answer,
                          absl::FunctionRef<bool(const booo::v1::GrantTraceChunk&)> send);

// The first chunk alone (the answer without its traces, and the grant trace's root without its
// children), from any traces that hold the root whole: the top levels a restarted server kept
// are enough, so the first node leaves before the whole trace is computed.
booo::v1::GrantTraceChunk FirstChunk(const GrantTraces& traces, booo::v1::GetGrantResponse answer);
// Everything after FirstChunk: the same walk without the answer and the grant trace's root.
absl::Status StreamAfterFirstChunk(const GrantTraces& traces,
                                   const booo::v1::GetGrantRequest& request,
                                   absl::FunctionRef<bool(const booo::v1::GrantTraceChunk&)> send);

}  // namespace booo::wire

#endif  // BOOO_SERVICES_WIRE_TRACE_STREAM_H_
