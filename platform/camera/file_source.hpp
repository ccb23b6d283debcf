#pragma once
/// @brief FileSource: frames from image files (PGM, PNG, JPEG, WebP): one image, or a folder of
/// images in name order, optionally looped, at a set pace. For tests, benchmarks and the demo.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platform/camera/frame_source.hpp"

namespace cate {

struct FileSourceOptions {
  /// Frames a second; 0 hands out frames as fast as they are asked for.
  double frames_per_second = 10;
  /// How long each image stays "in front of the camera", in order; when set it overrides
  /// frames_per_second. The last duration repeats if there are more images than durations.
  std::vector<std::chrono::milliseconds> durations;
  /// Start again from the first image after the last one (otherwise EndOfFrames).
  bool loop = false;
};

class FileSource final : public FrameSource {
 public:
  /// A single image file, or a folder: its .pgm/.png/.jpg/.jpeg/.webp files in name order.
  /// Every image is read here, so a bad file or an empty folder is reported now, by name.
  static Result<std::unique_ptr<FileSource>, CameraError> open(const std::string& path,
                                                               FileSourceOptions options = {});
  /// Frames already in memory (name, image), e.g. made by a test.
  static std::unique_ptr<FileSource> of_images(std::vector<std::pair<std::string, GreyImage>> images,
                                               FileSourceOptions options = {});

  Result<Started, CameraError> start() override;
  Result<Frame, CameraError> next(std::chrono::milliseconds timeout) override;
  void stop() override;
  std::string description() const override;

  /// How many images one pass shows.
  std::size_t size() const { return images_.size(); }
  /// The name of the image a frame's sequence number showed.
  const std::string& name_of(std::uint64_t sequence) const;

 private:
  FileSource(std::string description, std::vector<std::pair<std::string, GreyImage>> images, FileSourceOptions o);
  FrameClock::duration duration_of(std::size_t index) const;

  std::string description_;
  std::vector<std::pair<std::string, GreyImage>> images_;
  FileSourceOptions options_;
  bool started_ = false;
  std::uint64_t sequence_ = 0;        ///< the next frame's number
  FrameClock::time_point due_{};      ///< when the next frame is due
};

}  // namespace cate
