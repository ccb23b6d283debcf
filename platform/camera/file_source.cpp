// Frames from image files: read all at open (errors now, by name), hand out at a set pace.
#include "platform/camera/file_source.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>

namespace cate {
namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".pgm" || ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp";
}

}  // namespace

FileSource::FileSource(std::string description, std::vector<std::pair<std::string, GreyImage>> images,
                       FileSourceOptions o)
    : description_(std::move(description)), images_(std::move(images)), options_(std::move(o)) {}

Result<std::unique_ptr<FileSource>, CameraError> FileSource::open(const std::string& path, FileSourceOptions options) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file(ec) && is_image_name(entry.path())) files.push_back(entry.path());
    if (ec)
      return Err(CameraError{CameraError::Kind::CannotOpen, path + ": cannot list this folder (" + ec.message() + ")"});
    if (files.empty())
      return Err(CameraError{CameraError::Kind::EmptyFolder,
                             path + ": no images in this folder (PGM, PNG, JPEG or WebP files are read)"});
    std::sort(files.begin(), files.end());
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    return Err(CameraError{CameraError::Kind::CannotOpen, path + ": no such file or folder"});
  }
  std::vector<std::pair<std::string, GreyImage>> images;
  for (const auto& f : files) {
    auto image = read_image_file(f.string());
    if (!image) return Err(CameraError{CameraError::Kind::BadFile, image.error().message});
    images.emplace_back(f.filename().string(), std::move(*image));
  }
  return std::unique_ptr<FileSource>(new FileSource(path, std::move(images), std::move(options)));
}

std::unique_ptr<FileSource> FileSource::of_images(std::vector<std::pair<std::string, GreyImage>> images,
                                                  FileSourceOptions options) {
  return std::unique_ptr<FileSource>(
      new FileSource(std::to_string(images.size()) + " images in memory", std::move(images), std::move(options)));
}

Result<Started, CameraError> FileSource::start() {
  if (images_.empty())
    return Err(CameraError{CameraError::Kind::EmptyFolder, description_ + ": no images to show"});
  started_ = true;
  sequence_ = 0;
  due_ = FrameClock::now();
  return Started{};
}

void FileSource::stop() { started_ = false; }

std::string FileSource::description() const { return "image files (" + description_ + ")"; }

const std::string& FileSource::name_of(std::uint64_t sequence) const {
  return images_[static_cast<std::size_t>(sequence % images_.size())].first;
}

FrameClock::duration FileSource::duration_of(std::size_t index) const {
  if (!options_.durations.empty())
    return options_.durations[std::min(index, options_.durations.size() - 1)];
  if (options_.frames_per_second <= 0) return FrameClock::duration::zero();
  return std::chrono::duration_cast<FrameClock::duration>(std::chrono::duration<double>(1.0 / options_.frames_per_second));
}

Result<Frame, CameraError> FileSource::next(std::chrono::milliseconds timeout) {
  if (!started_) return Err(CameraError{CameraError::Kind::NotStarted, description() + ": not started"});
  if (!options_.loop && sequence_ >= images_.size())
    return Err(CameraError{CameraError::Kind::EndOfFrames, description() + ": last image shown"});
  const auto now = FrameClock::now();
  if (due_ > now + timeout) {
    std::this_thread::sleep_for(timeout);
    return Err(CameraError{CameraError::Kind::Timeout, description() + ": next frame not due yet"});
  }
  std::this_thread::sleep_until(due_);
  const std::size_t index = static_cast<std::size_t>(sequence_ % images_.size());
  Frame frame{images_[index].second, FrameClock::now(), sequence_};
  // Paced from when each frame was due, so the pace does not drift; a reader that fell behind
  // gets the next frame at once (no image is skipped).
  due_ = std::max(due_ + duration_of(index), frame.captured);
  ++sequence_;
  return frame;
}

}  // namespace cate
