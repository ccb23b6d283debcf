#include "assets/assets.hpp"

#include <cstddef>

namespace cate::detail {
struct EmbeddedAsset { std::string_view path; const unsigned char* data; std::size_t size; };
extern const EmbeddedAsset kEmbeddedAssets[];
extern const std::size_t kEmbeddedAssetCount;
}

namespace cate {
std::optional<std::string_view> asset(std::string_view path) {
  for (std::size_t i = 0; i < detail::kEmbeddedAssetCount; ++i) {
    const auto& a = detail::kEmbeddedAssets[i];
    if (a.path == path) return std::string_view(reinterpret_cast<const char*>(a.data), a.size);
  }
  return std::nullopt;
}
}
