#include "tools/reports/dossier_page.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "booo/v1/events.pb.h"
#include "ledger/core/civil_date.h"
#include "tools/reports/html.h"
#include "tools/reports/page_assets.h"

namespace booo::reports {
namespace {

using nlohmann::json;

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

json DateTriple(const booo::v1::CivilDate& d) { return json::array({d.year(), d.month(), d.day()}); }

json RuleJson(const booo::v1::TraceRuleValue& r) {
  json set_by = json::array();
  for (const booo::v1::RuleOrigin& o : r.set_by()) {
    set_by.push_back({{"amendment_sequence", o.amendment_sequence()},
                      {"amendment_leaf_hash", Hex(o.amendment_leaf_hash())},
                      {"citation", o.citation()},
                      {"citation_url", o.citation_url()},
                      {"source", o.source()}});
  }
  return {{"parameter", r.parameter()},
          {"value", r.value()},
          {"valid_first", DateTriple(r.valid().first_day())},
          {"valid_last", DateTriple(r.valid().last_day())},
          {"amendment_sequence", r.amendment_sequence()},
          {"amendment_leaf_hash", Hex(r.amendment_leaf_hash())},
          {"citation", r.citation()},
          {"citation_url", r.citation_url()},
          {"source", r.source()},
          {"set_by", set_by}};
}

json NodeJson(const booo::v1::TraceNode& node, const std::string& parent_path) {
  const std::string path = parent_path.empty() ? node.key() : parent_path + "/" + node.key();
  json rules = json::array(), sources = json::array(), children = json::array();
  for (const auto& r : node.rules()) rules.push_back(RuleJson(r));
  for (const auto& s : node.sources()) {
    sources.push_back({{"sequence", s.sequence()},
                       {"leaf_hash", Hex(s.leaf_hash())},
                       {"event_id", s.event_id()},
                       {"kind", s.kind()}});
  }
  for (const auto& c : node.children()) children.push_back(NodeJson(c, path));
  return {{"key", node.key()},
          {"path", path},
          {"label", node.label()},
          {"amount_cents", std::to_string(node.amount_cents())},
          {"formula", node.formula()},
          {"rules", rules},
          {"sources", sources},
          {"notes", std::vector<std::string>(node.notes().begin(), node.notes().end())},
          {"digest", Hex(node.digest())},
          {"children", children}};
}

// The payload's name ("goo_places_declared"), for ledgerctl's own output and the tests; the page
// reads it from the signed body.
std::string PayloadName(const std::string& bytes) {
  booo::v1::EventBody body;
  if (!body.ParseFromString(bytes)) return "(undecodable)";
  const auto* oneof = body.GetDescriptor()->FindOneofByName("payload");
  if (const auto* field = body.GetReflection()->GetOneofFieldDescriptor(body, oneof)) {
    return field->name();
  }
  return "(no payload)";
}

// The protobuf schema of EventBody and everything reachable from it: the page decodes each
// signed body itself and takes only the names from here (values come from the signed bytes).
json EventSchema() {
  json messages = json::object(), enums = json::object();
  std::vector<const google::protobuf::Descriptor*> pending = {booo::v1::EventBody::descriptor()};
  while (!pending.empty()) {
    const google::protobuf::Descriptor* message = pending.back();
    pending.pop_back();
    if (messages.contains(message->full_name())) continue;
    json fields = json::array();
    for (int i = 0; i < message->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* f = message->field(i);
      json field = {{"number", f->number()},
                    {"name", f->name()},
                    {"type", f->type_name()},
                    {"repeated", f->is_repeated()}};
      // Members of a real oneof (not proto3 `optional`): the decoder keeps only the last one
      // seen, as protobuf does.
      if (const auto* oneof = f->real_containing_oneof()) field["oneof"] = oneof->name();
      if (const auto* nested = f->message_type()) {
        field["type_name"] = nested->full_name();
        pending.push_back(nested);
      }
      if (const auto* e = f->enum_type()) {
        field["type_name"] = e->full_name();
        json values = json::object();
        for (int v = 0; v < e->value_count(); ++v) {
          values[std::to_string(e->value(v)->number())] = e->value(v)->name();
        }
        enums[e->full_name()] = values;
      }
      fields.push_back(field);
    }
    messages[message->full_name()] = fields;
  }
  return {{"messages", messages}, {"enums", enums}};
}

json EventJson(const DossierEvent& e) {
  const booo::v1::StoredEvent& event = e.event;
  const std::string kind = PayloadName(event.body());
  json proof = json::array();
  for (const std::string& hash : e.proof) proof.push_back(Hex(hash));
  return {{"sequence", event.sequence()},
          {"event_id", event.event_id()},
          {"kind", kind},
          {"stream", event.stream()},
          {"recorded_at_micros", std::to_string(event.recorded_at_micros())},
          {"recorded_at", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ",
                                           absl::FromUnixMicros(event.recorded_at_micros()),
                                           absl::UTCTimeZone())},
          {"key_id", event.key_id()},
          {"body", absl::Base64Escape(event.body())},
          {"signature", absl::Base64Escape(event.signature())},
          {"leaf_hash", Hex(event.leaf_hash())},
          {"proof", proof},
          {"cited_as", e.cited_as},
          {"signer_registration", e.signer_registration ? json(*e.signer_registration) : json()},
          {"signer_revocation", e.signer_revocation ? json(*e.signer_revocation) : json()}};
}

json SettlementJson(const booo::v1::ReplaySettlementResponse& s) {
  const booo::v1::Determination& d = s.determination();
  json differences = json::array();
  for (const auto& diff : s.differences()) {
    differences.push_back({{"path", diff.path()},
                           {"recorded_amount_cents", std::to_string(diff.recorded_amount_cents())},
                           {"replayed_amount_cents", std::to_string(diff.replayed_amount_cents())},
                           {"change", diff.change()}});
  }
  return {{"verdict", s.verdict() == booo::v1::SETTLEMENT_VERDICT_MATCH ? "MATCH" : "MISMATCH"},
          {"municipality_code", s.municipality_code()},
          {"spending_year", s.spending_year()},
          {"ledger_point", s.tree_size()},
          {"determination",
           {{"sequence", d.sequence()},
            {"event_id", d.event_id()},
            {"amount_cents", std::to_string(d.amount_cents())},
            {"trace_digest", Hex(d.trace_digest())},
            {"decision_reference", d.decision_reference()},
            {"decision_date", ledger::FormatDate(d.decision_date())}}},
          {"replayed_amount_cents", std::to_string(s.replayed_amount_cents())},
          {"replayed_trace_digest", Hex(s.replayed_trace_digest())},
          {"reasons", std::vector<std::string>(s.reasons().begin(), s.reasons().end())},
          {"differences", differences}};
}

void CollectCitations(const booo::v1::TraceNode& node, const std::string& parent_path,
                      std::map<uint64_t, std::vector<std::string>>& out) {
  const std::string path = parent_path.empty() ? node.key() : parent_path + "/" + node.key();
  auto add = [&out](uint64_t sequence, std::string why) {
    std::vector<std::string>& reasons = out[sequence];
    if (std::find(reasons.begin(), reasons.end(), why) == reasons.end()) {
      reasons.push_back(std::move(why));
    }
  };
  for (const auto& source : node.sources()) add(source.sequence(), "source of " + path);
  // A rule value without an amendment's leaf hash was read from no event (nothing to cite).
  for (const auto& rule : node.rules()) {
    if (!rule.amendment_leaf_hash().empty()) {
      add(rule.amendment_sequence(), absl::StrCat("rule ", rule.parameter(), " read from"));
    }
    for (const auto& origin : rule.set_by()) {
      if (origin.amendment_leaf_hash().empty()) continue;
      add(origin.amendment_sequence(), absl::StrCat("rule ", rule.parameter(), " set by"));
    }
  }
  for (const auto& child : node.children()) CollectCitations(child, path, out);
}

}  // namespace

std::map<uint64_t, std::vector<std::string>> TraceCitations(const booo::v1::TraceNode& trace) {
  std::map<uint64_t, std::vector<std::string>> out;
  CollectCitations(trace, "", out);
  return out;
}

json DossierEvidence(const DossierInput& input) {
  json events = json::array();
  for (const auto& [sequence, event] : input.events) events.push_back(EventJson(event));
  const DossierCheckpoint& c = input.checkpoint;
  json witnesses = json::array();
  for (const auto& [name, vkey] : c.witness_keys) {
    witnesses.push_back({{"name", name}, {"vkey", vkey}});
  }
  return {{"format", "booo-dossier/1"},
          {"generated_at", input.generated_at},
          {"generated_by", "ledgerctl"},
          {"source", input.source},
          {"settlement", SettlementJson(input.settlement)},
          {"trace", NodeJson(input.settlement.replayed_trace(), "")},
          {"events", events},
          {"checkpoint",
           {{"note", c.note},
            {"tree_size", c.tree_size},
            {"root", Hex(c.root)},
            {"verifier_key", c.verifier_key},
            {"key_provenance", c.key_provenance},
            {"key_record_sequence",
             c.key_record_sequence ? json(*c.key_record_sequence) : json()},
            {"witness_keys", witnesses},
            {"witness_cosigned_by", c.witness_cosigned_by},
            {"witness_quorum", c.witness_quorum}}},
          {"schema", EventSchema()}};
}

std::string RenderDossierPage(const DossierInput& input) {
  const booo::v1::ReplaySettlementResponse& s = input.settlement;
  PageParts page;
  page.title = absl::StrCat("Dossier: determination ", s.determination().event_id(), " of ",
                            s.municipality_code(), " ", s.spending_year());
  page.css = kDossierCss;
  page.head_extra = absl::StrCat("<script type=\"application/json\" id=\"dossier-data\">",
                                 JsonForScript(DossierEvidence(input).dump()), "</script>\n");
  page.body_attributes = " data-verification=\"running\" data-amounts=\"nl\"";
  page.body =
      "<noscript><p>This dossier verifies its evidence and draws itself with the scripts it "
      "carries; open it in a browser with JavaScript enabled. Its data is in the element "
      "#dossier-data and its checks in #dossier-verify.</p></noscript>\n"
      "<main id=\"dossier\"></main>\n";
  page.scripts = {{"dossier-decode", kDossierDecodeJs},
                  {"dossier-verify", kDossierVerifyJs},
                  {"dossier-render", kDossierRenderJs}};
  return Page(page);
}

}  // namespace booo::reports
