// Builds signed events for tests: a key per party, an EventBody per payload, signed exactly as
// a client would sign it.
#ifndef BOOO_TESTS_SUPPORT_EVENT_FACTORY_H_
#define BOOO_TESTS_SUPPORT_EVENT_FACTORY_H_

#include <string>
#include <vector>

#include "booo/v1/events.pb.h"
#include "ledger/core/crypto.h"
#include "ledger/core/payload_rules.h"
#include "ledger/storage/ledger.h"

namespace booo::testing {

// The grant's payload rules, for the ledgers and verifiers a test opens itself (ledgerd
// injects them; a ledger without them admits key events only).
const ledger::PayloadRules* GrantRules();
ledger::LedgerOptions WithGrantRules(ledger::LedgerOptions options = {});

// A fixed, deterministic key from a one-byte seed, so test ledgers are reproducible.
ledger::Ed25519PrivateKey TestKey(uint8_t seed);

struct SignedBytes {
  std::string body;
  std::string signature;
};

// Serializes `body` once and signs those bytes.
SignedBytes Sign(const booo::v1::EventBody& body, const ledger::Ed25519PrivateKey& key);

booo::v1::CivilDate Day(int year, int month, int day);

// Bodies with the envelope filled in (event id, stream, signer); the payload set.
booo::v1::EventBody GenesisBody(const ledger::Ed25519PrivateKey& root,
                                const ledger::Ed25519PrivateKey& checkpoint,
                                const std::string& origin = "booo-ledger.test/unit");
booo::v1::EventBody KeyRegisteredBody(const std::string& event_id,
                                      const ledger::Ed25519PrivateKey& signer,
                                      const ledger::Ed25519PrivateKey& subject, booo::v1::Role role,
                                      const std::string& municipality = "");
booo::v1::EventBody KeyRevokedBody(const std::string& event_id,
                                   const ledger::Ed25519PrivateKey& signer,
                                   const std::string& key_id);
booo::v1::EventBody CheckpointKeyRotatedBody(const std::string& event_id,
                                             const ledger::Ed25519PrivateKey& signer,
                                             const ledger::Ed25519PrivateKey& new_key,
                                             const std::string& key_name);
booo::v1::EventBody PlacesBody(const std::string& event_id, const ledger::Ed25519PrivateKey& signer,
                               const std::string& municipality, int64_t places);
// The genesis (signed by `root`, TestKey(2) the checkpoint key) and Amsterdam's municipality key
// (`ams`, GM0363, event "k-ams"): the shortest history a municipality can append to.
std::vector<SignedBytes> GenesisWithAmsterdam(const ledger::Ed25519PrivateKey& root,
                                              const ledger::Ed25519PrivateKey& ams);
booo::v1::EventBody AdvanceBody(const std::string& event_id,
                                const ledger::Ed25519PrivateKey& signer,
                                const std::string& municipality, int64_t amount_cents);

}  // namespace booo::testing

#endif  // BOOO_TESTS_SUPPORT_EVENT_FACTORY_H_
