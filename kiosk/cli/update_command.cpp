// cate-kiosk update verify: may this .deb from a USB stick be installed on this kiosk? The rules
// are sync/protocol/update_signature.hpp; this reads the files and the office keys the store
// trusts (read-only, beside the running kiosk) and prints the decision as one JSON line.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "kiosk/cli/commands.hpp"
#include "kiosk/core/store.hpp"
#include "sync/protocol/update_signature.hpp"

namespace cate::cli {

using nlohmann::json;

namespace {
constexpr const char* kUpdateUsage = "usage: cate-kiosk [--store FILE] update verify FILE.deb [--sig FILE.sig] [--arch ARCH]";
}  // namespace

int cmd_update(const Options& o, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "verify") return fail(kUpdateUsage), 2;
  std::string deb, sig;
  UpdateExpectation expect;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--sig" || a == "--arch") && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (a == "--sig") sig = v;
      else if (is_debian_architecture(v)) expect.architecture = v;
      else return fail("--arch \"" + v + "\" is not a Debian architecture (arm64, amd64)"), 2;
    } else if (a.rfind("--", 0) == 0 || !deb.empty()) {
      return fail(kUpdateUsage), 2;
    } else {
      deb = a;
    }
  }
  if (deb.empty()) return fail(kUpdateUsage), 2;
  if (sig.empty()) sig = deb + ".sig";

  json j = {{"file", deb}, {"signature", sig}, {"expected_architecture", expect.architecture}};
  auto keys = read_trusted_keys(o.store_path);
  if (!keys) {
    j["outcome"] = "store_unreadable";
    j["reason"] = keys.error().message;
    print_line(j);
    return fail("refused: " + keys.error().message), 1;
  }
  UpdateCheck check = verify_update_files(deb, sig, *keys, expect);
  j["outcome"] = update_outcome_code(check.outcome);
  j["reason"] = check.reason;
  if (check.signed_by) j["signed_by"] = key_id_str(*check.signed_by);
  if (check.manifest) {
    j["package"] = check.manifest->package;
    j["version"] = check.manifest->version;
    j["architecture"] = check.manifest->architecture;
    j["sha256"] = check.manifest->sha256;
  }
  print_line(j);
  if (!check.good()) return fail("refused: " + check.reason), 1;
  return 0;
}

}  // namespace cate::cli
