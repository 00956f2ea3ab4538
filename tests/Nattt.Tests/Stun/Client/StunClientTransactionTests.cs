using Microsoft.Extensions.Time.Testing;
using Nattt.Stun.Client;

namespace Nattt.Tests.Stun.Client;

public class StunClientTransactionTests
{
    [Fact]
    public void Rfc8489Policy_SendsAt0_500_1500_3500_7500_15500_31500_TimesOutAt39500()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var t = new StunClientTransaction(StunRetransmissionPolicy.Rfc8489);
        var sends = new List<double>();
        if (t.Start(clock.GetUtcNow()) == StunTransactionAction.Send) sends.Add(0);
        double timedOutAt = -1;
        for (int ms = 0; ms <= 45_000; ms += 10)
        {
            clock.SetUtcNow(start.AddMilliseconds(ms));
            var action = t.OnTimer(clock.GetUtcNow());
            if (action == StunTransactionAction.Send) sends.Add(ms);
            if (action == StunTransactionAction.TimedOut) { timedOutAt = ms; break; }
        }
        Assert.Equal([0, 500, 1500, 3500, 7500, 15500, 31500], sends);
        Assert.Equal(39500, timedOutAt);
        Assert.Equal(39.5, StunRetransmissionPolicy.Rfc8489.TotalTimeout.TotalSeconds);
        Assert.True(t.IsTimedOut);
    }

    [Fact]
    public void OnResponse_StopsRetransmissions()
    {
        var clock = new FakeTimeProvider();
        var t = new StunClientTransaction(StunRetransmissionPolicy.Rfc8489);
        t.Start(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(StunTransactionAction.Send, t.OnTimer(clock.GetUtcNow()));
        t.OnResponse();
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(StunTransactionAction.Wait, t.OnTimer(clock.GetUtcNow()));
        Assert.True(t.IsCompleted);
        Assert.Equal(DateTimeOffset.MaxValue, t.NextDeadline);
        Assert.Equal(2, t.RequestsSent);
    }

    [Fact]
    public void OnTimer_BeforeDeadline_Waits()
    {
        var clock = new FakeTimeProvider();
        var t = new StunClientTransaction(StunRetransmissionPolicy.Interactive);
        t.Start(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(StunTransactionAction.Wait, t.OnTimer(clock.GetUtcNow()));
        Assert.Equal(5.5, StunRetransmissionPolicy.Interactive.TotalTimeout.TotalSeconds);
    }

    [Fact]
    public void SingleRequestPolicy_WaitsRmTimesRtoThenTimesOut()
    {
        var clock = new FakeTimeProvider();
        var t = new StunClientTransaction(new StunRetransmissionPolicy(TimeSpan.FromMilliseconds(100), 1, 3));
        t.Start(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal(StunTransactionAction.Wait, t.OnTimer(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(StunTransactionAction.TimedOut, t.OnTimer(clock.GetUtcNow()));
    }
}
