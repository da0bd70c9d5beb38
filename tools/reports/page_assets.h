// The scripts and styles the HTML pages embed, compiled in from tools/reports/assets/ (see
// embed_assets.cmake), so a page written by ledgerctl needs no other file and no network.
#ifndef BOOO_TOOLS_REPORTS_PAGE_ASSETS_H_
#define BOOO_TOOLS_REPORTS_PAGE_ASSETS_H_

namespace booo::reports {

extern const char kDossierDecodeJs[];  // assets/dossier_decode.js: the signed bodies, decoded
extern const char kDossierVerifyJs[];  // assets/dossier_verify.js: the checks, evidence itself
extern const char kDossierRenderJs[];  // assets/dossier_render.js: draws the page from the data
extern const char kDossierCss[];       // assets/dossier.css
extern const char kReportJs[];         // assets/report.js: sortable tables, amount notation
extern const char kReportCss[];        // assets/report.css

}  // namespace booo::reports

#endif  // BOOO_TOOLS_REPORTS_PAGE_ASSETS_H_
