using Microsoft.Extensions.Time.Testing;
using Nattt.Stun.Hosting;

namespace Nattt.Tests.Stun.Server;

public class StunDropLogLimiterTests
{
    [Fact]
    public void TryAcquire_BurstBeyondBudget_SuppressedThenReportedInNextWindow()
    {
        var clock = new FakeTimeProvider();
        var limiter = new StunDropLogLimiter(clock, linesPerWindow: 3, window: TimeSpan.FromSeconds(10));
        int allowed = 0;
        for (int i = 0; i < 100; i++) if (limiter.TryAcquire(out _)) allowed++;
        Assert.Equal(3, allowed);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(limiter.TryAcquire(out _));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(out long suppressed));
        Assert.Equal(98, suppressed);
        Assert.True(limiter.TryAcquire(out suppressed));
        Assert.Equal(0, suppressed);
    }
}
