using Nattt.Packets;

namespace Nattt.Tests.Packets;

public class PacketDropCountersTests
{
    [Fact]
    public void Increment_ConcurrentFromManyThreads_CountsAll()
    {
        var counters = new PacketDropCounters();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++) counters.Increment(PacketDropReason.Truncated);
        });
        counters.Increment(PacketDropReason.BadHeaderChecksum);
        Assert.Equal(80_000, counters[PacketDropReason.Truncated]);
        Assert.Equal(80_001, counters.Total);
    }

    [Fact]
    public void Snapshot_OnlyNonZeroByDefault_AllWhenAsked()
    {
        var counters = new PacketDropCounters();
        counters.Increment(PacketDropReason.NonFirstFragment);
        counters.Increment(PacketDropReason.None); // not a drop
        counters.Increment((PacketDropReason)999); // unknown: ignored, no exception
        var snapshot = counters.Snapshot();
        Assert.Equal([new(PacketDropReason.NonFirstFragment, 1)], snapshot);
        var all = counters.Snapshot(includeZero: true);
        Assert.Equal(Enum.GetValues<PacketDropReason>().Length - 1, all.Count);
        Assert.DoesNotContain(all, kv => kv.Key == PacketDropReason.None);
    }
}
