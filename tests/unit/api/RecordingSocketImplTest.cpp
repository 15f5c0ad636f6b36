#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "api/RecordingSocketImpl.h"

using keywarden::api::RecordingSocketImpl;

// The recorder keeps exactly the received bytes from its keep point on, up to its capacity, and
// never shows a range with a hole in it.
class RecordingSocketImplTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RecordingSocketImplTest);
  CPPUNIT_TEST(keepsReceivedBytesFromTheKeepPoint);
  CPPUNIT_TEST(bytesPastTheCapacityLeaveAGapThatIsNeverShown);
  CPPUNIT_TEST(aKeepPointBehindTheKeptBytesShowsNothing);
  CPPUNIT_TEST_SUITE_END();

 public:
  int peer = -1;
  RecordingSocketImpl* rec = nullptr;
  std::unique_ptr<Poco::Net::StreamSocket> recording;

  void setUp() override {
    int fds[2];
    CPPUNIT_ASSERT_EQUAL(0, ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds));
    peer = fds[1];
    Poco::Net::StreamSocket inner(new Poco::Net::StreamSocketImpl(fds[0]));
    rec = new RecordingSocketImpl(inner, 8);
    recording = std::make_unique<Poco::Net::StreamSocket>(rec);
  }
  void tearDown() override {
    recording.reset();
    ::close(peer);
  }

  // Sends `s` from the peer and receives all of it through the recorder.
  void pass(const std::string& s) {
    CPPUNIT_ASSERT_EQUAL(static_cast<ssize_t>(s.size()), ::write(peer, s.data(), s.size()));
    char buf[64];
    size_t got = 0;
    while (got < s.size()) {
      int n = recording->receiveBytes(buf + got, static_cast<int>(s.size() - got));
      CPPUNIT_ASSERT(n > 0);
      got += static_cast<size_t>(n);
    }
    CPPUNIT_ASSERT_EQUAL(s, std::string(buf, got));
  }

  std::string shown(uint64_t from, uint64_t to) {
    const char* p = rec->view(from, to);
    return p ? std::string(p, static_cast<size_t>(to - from)) : "(none)";
  }

  void keepsReceivedBytesFromTheKeepPoint() {
    pass("abcdef");
    CPPUNIT_ASSERT_EQUAL(uint64_t(6), rec->received());
    CPPUNIT_ASSERT_EQUAL(std::string("abcdef"), shown(0, 6));
    rec->keepFrom(4);
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(0, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("ef"), shown(4, 6));
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(4, 7));  // not received yet
    rec->keepFrom(10);  // ahead: a body of 4 bytes is not kept
    pass("ghijklmn");
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(6, 10));
    CPPUNIT_ASSERT_EQUAL(std::string("klmn"), shown(10, 14));
  }

  void bytesPastTheCapacityLeaveAGapThatIsNeverShown() {
    pass("0123456789AB");  // 12 bytes, 8 kept
    CPPUNIT_ASSERT_EQUAL(std::string("01234567"), shown(0, 8));
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(0, 9));
    rec->keepFrom(4);  // room again, but bytes 8..11 were dropped: nothing after them is kept
    pass("CD");
    CPPUNIT_ASSERT_EQUAL(std::string("4567"), shown(4, 8));
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(4, 13));
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(12, 14));
    rec->keepFrom(10);  // inside the gap
    pass("EF");
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(14, 16));
    rec->keepFrom(16);  // at the end of what was received: kept again from here
    pass("GH");
    CPPUNIT_ASSERT_EQUAL(std::string("GH"), shown(16, 18));
  }

  void aKeepPointBehindTheKeptBytesShowsNothing() {
    rec->keepFrom(4);
    pass("abcdef");
    CPPUNIT_ASSERT_EQUAL(std::string("ef"), shown(4, 6));
    rec->keepFrom(2);  // bytes 2..3 were never kept
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(2, 6));
    pass("g");
    CPPUNIT_ASSERT_EQUAL(std::string("(none)"), shown(6, 7));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RecordingSocketImplTest);
