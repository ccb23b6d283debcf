#pragma once
/// @brief Files from assets/ compiled into the binary (translations, demo data).
#include <optional>
#include <string_view>

namespace cate {
/// The bytes of an embedded asset by its path under assets/ ("i18n/es.json"), or nothing.
std::optional<std::string_view> asset(std::string_view path);
}
