// The version of the grant calculation and of the answers built from it (the figures, the
// trace, the balance row). Answers computed at the head are kept across restarts
// (replay/projection/kept_answers.h); one kept by another version is computed again.
//
// Raise it with every change that can alter any computed figure, trace node, digest or the
// wire form of an answer. services/wire/kept_answers_test.cc pins the answers of a fixed
// history to a digest recorded with this number, so such a change fails that test until both
// are updated together.
#ifndef BOOO_REPLAY_CALC_CALCULATION_VERSION_H_
#define BOOO_REPLAY_CALC_CALCULATION_VERSION_H_

#include <cstdint>

namespace booo::replay {

inline constexpr uint32_t kCalculationVersion = 1;

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_CALCULATION_VERSION_H_
