#pragma once
/// @brief GreyTexture: a grey picture (a camera frame) on the GPU, for Dear ImGui to draw with
/// ImGui::Image. Lives with the window because it needs the window's GL context: make, fill and
/// destroy it on the window loop's thread (inside the app's calls), before the window closes.
#include <imgui.h>

#include <cstdint>

#include "platform/image.hpp"

namespace cate::window {

class GreyTexture {
 public:
  GreyTexture() = default;
  ~GreyTexture();
  GreyTexture(const GreyTexture&) = delete;
  GreyTexture& operator=(const GreyTexture&) = delete;

  /// Copies `image` to the GPU (the texture is made, or resized, as needed). Drawn grey: the
  /// luma plane is spread over red, green and blue by the texture's swizzle, not on the CPU.
  void upload(const GreyImage& image);
  /// For ImGui::Image; null before the first upload.
  ImTextureID id() const;
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  std::uint32_t name_ = 0;  ///< the GL texture name; 0 when none was made
  int width_ = 0;
  int height_ = 0;
};

}  // namespace cate::window
