using Nattt.Platform.Linux;

namespace Nattt.Tests.Platform.Linux;

public sealed class UdpBatchTests
{
    [Fact]
    public void Slot_EachSlot_IsSeparateAndOfSlotSize()
    {
        var batch = new UdpBatch(4, 100);
        for (var i = 0; i < 4; i++) batch.Slot(i).Fill((byte)(i + 1));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(100, batch.Slot(i).Length);
            Assert.All(batch.Slot(i).ToArray(), b => Assert.Equal((byte)(i + 1), b));
        }
    }

    [Fact]
    public void Datagram_OffsetAndLength_ViewIntoSlot()
    {
        var batch = new UdpBatch(2, 64);
        batch.Lengths[1] = 10;
        batch.Datagram(1, 8).Fill(7);
        Assert.Equal(10, batch.Datagram(1, 8).Length);
        Assert.Equal(0, batch.Slot(1)[..8].Count((byte)7));
        Assert.Equal(10, batch.Slot(1)[8..18].Count((byte)7));
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1025, 100)]
    [InlineData(4, 0)]
    [InlineData(4, 70_000)]
    public void Constructor_OutOfRange_Throws(int capacity, int slotSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpBatch(capacity, slotSize));

    [Fact]
    public void Slot_IndexOutOfRange_Throws()
    {
        var batch = new UdpBatch(2, 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Slot(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Slot(-1));
    }
}
