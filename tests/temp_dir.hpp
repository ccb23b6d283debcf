#pragma once
// A fresh folder under the system's temp folder for one test, removed with everything in it at
// the end of its scope. Shared by the unit, integration and sync tests.
#include <filesystem>
#include <random>
#include <string>

namespace cate::test {

inline std::string fresh_dir(const std::string& name) {
  static std::mt19937_64 rng(std::random_device{}());
  auto dir = std::filesystem::temp_directory_path() / ("cate-test-" + name + "-" + std::to_string(rng()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& name) : path(fresh_dir(name)) {}
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace cate::test
