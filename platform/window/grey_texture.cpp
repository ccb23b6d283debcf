// GreyTexture: one GL_R8 texture, refilled with glTexSubImage2D while its size stays the same.
#include "platform/window/grey_texture.hpp"

#if defined(CATE_WINDOW_DESKTOP_GL)
#define GL_GLEXT_PROTOTYPES 1
#include <SDL_opengl.h>
#else
#include <GLES3/gl3.h>
#endif

#include <cstdint>

namespace cate::window {

GreyTexture::~GreyTexture() {
  if (name_) {
    GLuint n = name_;
    glDeleteTextures(1, &n);
  }
}

void GreyTexture::upload(const GreyImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() < static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height))
    return;
  GLint previous = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  if (!name_) {
    GLuint n = 0;
    glGenTextures(1, &n);
    name_ = n;
    glBindTexture(GL_TEXTURE_2D, n);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    // One byte a pixel; Dear ImGui's shader reads RGBA, so green and blue repeat red.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_G, GL_RED);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_B, GL_RED);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_A, GL_ONE);
  } else {
    glBindTexture(GL_TEXTURE_2D, name_);
  }
  if (image.width != width_ || image.height != height_) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, image.width, image.height, 0, GL_RED, GL_UNSIGNED_BYTE,
                 image.pixels.data());
    width_ = image.width;
    height_ = image.height;
  } else {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, image.width, image.height, GL_RED, GL_UNSIGNED_BYTE,
                    image.pixels.data());
  }
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
}

ImTextureID GreyTexture::id() const {
  return name_ ? reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(name_)) : ImTextureID{};
}

}  // namespace cate::window
