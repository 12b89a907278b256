#include "asr/recognizer_worker.h"

#include <algorithm>
#include <array>
#include <utility>

namespace parley::asr {

namespace {

// Silence standing in for dropped audio is fed in pieces of this many samples (100 ms), so the
// endpoint detector sees it as it would see real audio.
constexpr long long kSilencePiece = kSampleRate / 10;

}  // namespace

std::vector<std::string> WorkerConfig::validate() const {
  std::vector<std::string> problems;
  if (max_queued_chunks < 1 || max_queued_chunks > 100000) {
    problems.push_back("max_queued_chunks must be an integer in [1, 100000] (got " +
                       std::to_string(max_queued_chunks) + ")");
  }
  return problems;
}

RecognizerWorker::RecognizerWorker(std::unique_ptr<Recognizer> recognizer, WorkerConfig config,
                                   EventCallback on_event, const core::Clock* compute_clock)
    : recognizer_(std::move(recognizer)),
      config_(config),
      on_event_(std::move(on_event)),
      clock_(compute_clock) {
  if (clock_ == nullptr) {
    own_clock_ = std::make_unique<core::SystemClock>();
    clock_ = own_clock_.get();
  }
}

RecognizerWorker::~RecognizerWorker() { (void)finish(); }

core::Status RecognizerWorker::start() {
  if (auto problems = config_.validate(); !problems.empty()) {
    return core::Error::invalid("invalid worker configuration: " + problems.front());
  }
  if (!recognizer_) return core::Error::usage("RecognizerWorker has no recognizer");
  {
    std::lock_guard lock(mu_);
    if (started_) return core::Error::usage("RecognizerWorker already started");
  }
  if (auto s = recognizer_->startStream(); !s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    started_ = true;
  }
  thread_ = std::thread([this] { run(); });
  return core::okStatus();
}

core::Status RecognizerWorker::push(std::span<const int16_t> pcm) {
  Chunk chunk;
  chunk.pcm.assign(pcm.begin(), pcm.end());  // copied before taking the lock
  {
    std::lock_guard lock(mu_);
    if (!started_ || finishing_) {
      return core::Error::usage("push() outside start() .. finish()");
    }
    if (error_) return *error_;
    const auto n = static_cast<long long>(pcm.size());
    if (queue_.size() >= static_cast<size_t>(config_.max_queued_chunks)) {
      ++stats_.chunks_dropped;
      stats_.samples_dropped += n;
      if (config_.fill_dropped_with_silence) pending_silence_ += n;
      return core::Error::unavailable("recognizer queue full (" +
                                      std::to_string(config_.max_queued_chunks) +
                                      " chunks): audio chunk dropped");
    }
    chunk.silence_before = std::exchange(pending_silence_, 0);
    queue_.push_back(std::move(chunk));
    ++stats_.chunks_accepted;
    stats_.samples_accepted += n;
    stats_.queue_depth = static_cast<int>(queue_.size());
    stats_.max_queue_depth = std::max(stats_.max_queue_depth, stats_.queue_depth);
  }
  cv_.notify_one();
  return core::okStatus();
}

core::Status RecognizerWorker::finish() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return core::okStatus();
    finishing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (error_) return *error_;
  return core::okStatus();
}

WorkerStats RecognizerWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void RecognizerWorker::deliver(std::vector<engine::RecognizerEvent>& events, double compute) {
  const double audio_time = recognizer_->audioSeconds();
  {
    std::lock_guard lock(mu_);
    stats_.events += static_cast<long long>(events.size());
    stats_.compute_seconds += compute;
    stats_.audio_seconds = audio_time;
  }
  for (auto& e : events) {
    WorkerEvent we;
    we.event = std::move(e);
    we.audio_time = audio_time;
    we.compute_seconds = compute;
    if (on_event_) on_event_(we);
  }
  events.clear();
}

void RecognizerWorker::run() {
  static const std::array<int16_t, kSilencePiece> kSilence{};
  std::vector<engine::RecognizerEvent> events;
  auto fail = [this](const core::Error& e) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = e;
  };
  for (;;) {
    Chunk chunk;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || finishing_; });
      if (queue_.empty()) break;  // finishing, and everything queued was decoded
      chunk = std::move(queue_.front());
      queue_.pop_front();
      stats_.queue_depth = static_cast<int>(queue_.size());
      if (error_) continue;  // a failed recognizer decodes nothing more; drain the queue
    }
    const double t0 = clock_->now();
    core::Status status = core::okStatus();
    for (long long left = chunk.silence_before; left > 0 && status.ok(); left -= kSilencePiece) {
      status = recognizer_->accept(
          std::span<const int16_t>(kSilence.data(),
                                   static_cast<size_t>(std::min(left, kSilencePiece))),
          &events);
    }
    if (status.ok()) status = recognizer_->accept(chunk.pcm, &events);
    const double compute = clock_->now() - t0;
    if (!status.ok()) fail(status.error());
    deliver(events, compute);
  }
  bool failed = false;
  {
    std::lock_guard lock(mu_);
    failed = error_.has_value();
  }
  if (failed) return;
  const double t0 = clock_->now();
  core::Status status = recognizer_->finish(&events);
  const double compute = clock_->now() - t0;
  if (!status.ok()) fail(status.error());
  deliver(events, compute);
}

}  // namespace parley::asr
