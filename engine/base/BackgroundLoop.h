#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace keywarden::engine {

// One background thread that runs a step again and again: it sleeps `firstWaitMs`, runs the
// step, sleeps for as long as the step asks (ms; 0 runs it again at once), and so on until
// stop(). wake() cuts the current sleep short. The thread is marked as background work
// (markBackgroundThread: named `name`, SCHED_BATCH). The step runs without the loop's lock
// and handles its own errors (an exception leaving it ends the process). Thread-safe.
class BackgroundLoop {
 public:
  using Step = std::function<int64_t()>;

  // `name`: at most 15 characters (the kernel's limit for a thread name).
  BackgroundLoop(std::string name, int64_t firstWaitMs, Step step);
  // Stops the thread if it runs.
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void start();
  // Ends the sleep, waits for a running step to finish and joins the thread. Returns false
  // when the loop was stopped already (a second call does nothing), true otherwise — also
  // when it was never started.
  bool stop();
  // The step runs as soon as the current sleep (or, when it runs, the current step) ends.
  void wake();

 private:
  void run();

  const std::string _name;
  const int64_t _firstWaitMs;
  const Step _step;
  std::mutex _m;
  std::condition_variable _cv;
  bool _stopping = false;
  bool _woken = false;
  std::thread _thread;
};

}  // namespace keywarden::engine
