using System.Runtime.InteropServices;
using Nattt.Platform.Linux;

namespace Nattt.Tests.Platform.Linux;

/// <summary>The control messages of UDP GSO (written) and GRO (read), in Linux's 64-bit cmsghdr layout.</summary>
public sealed class UdpOffloadControlTests
{
    private static byte[] GroControl(int segmentSize, int level = 17, int type = 104)
    {
        var control = new byte[24];
        MemoryMarshal.Write(control, (ulong)20); // CMSG_LEN(sizeof(int))
        MemoryMarshal.Write(control.AsSpan(8), level);
        MemoryMarshal.Write(control.AsSpan(12), type);
        MemoryMarshal.Write(control.AsSpan(16), segmentSize);
        return control;
    }

    [Fact]
    public void SegmentSize_UdpGroControl_ReturnsItsSegmentSize() =>
        Assert.Equal(1200, RecvmmsgUdpSocket.SegmentSize(GroControl(1200), 12_000));

    [Fact]
    public void SegmentSize_NoControl_WholeMessageIsOneDatagram() =>
        Assert.Equal(700, RecvmmsgUdpSocket.SegmentSize([], 700));

    [Fact]
    public void SegmentSize_OtherControlMessage_Ignored() =>
        Assert.Equal(700, RecvmmsgUdpSocket.SegmentSize(GroControl(64, level: 0, type: 8), 700));

    [Fact]
    public void SegmentSize_OtherThenGro_FindsGro()
    {
        var control = GroControl(64, level: 0, type: 8).Concat(GroControl(500)).ToArray();
        Assert.Equal(500, RecvmmsgUdpSocket.SegmentSize(control, 5000));
    }

    [Fact]
    public void SegmentSize_EveryTruncatedPrefix_NeverThrowsNeverReadsPast()
    {
        var control = GroControl(1200);
        for (var length = 0; length < 20; length++)
            Assert.Equal(9000, RecvmmsgUdpSocket.SegmentSize(control.AsSpan(0, length), 9000));
    }

    [Fact]
    public void SegmentSize_ZeroOrNegativeSize_WholeMessage()
    {
        Assert.Equal(800, RecvmmsgUdpSocket.SegmentSize(GroControl(0), 800));
        Assert.Equal(800, RecvmmsgUdpSocket.SegmentSize(GroControl(-5), 800));
    }

    [Fact]
    public void WriteSegmentControl_Gso_IsCmsgLen18SolUdpUdpSegmentAndTheSize()
    {
        var control = new byte[24];
        control.AsSpan().Fill(0xff);
        RecvmmsgUdpSocket.WriteSegmentControl(control, 1400);
        Assert.Equal(18UL, MemoryMarshal.Read<ulong>(control));
        Assert.Equal(17, MemoryMarshal.Read<int>(control.AsSpan(8)));
        Assert.Equal(103, MemoryMarshal.Read<int>(control.AsSpan(12)));
        Assert.Equal((ushort)1400, MemoryMarshal.Read<ushort>(control.AsSpan(16)));
        Assert.All(control[18..], b => Assert.Equal(0, b)); // padding cleared
    }
}
