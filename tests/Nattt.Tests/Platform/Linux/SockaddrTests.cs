using System.Net;
using System.Net.Sockets;
using CsCheck;
using Nattt.Platform.Linux;

namespace Nattt.Tests.Platform.Linux;

/// <summary>Our sockaddr codec against .NET's own (IPEndPoint.Serialize gives the native Linux layout).</summary>
public sealed class SockaddrTests
{
    private static readonly Gen<IPEndPoint> GenIPv4 =
        Gen.Select(Gen.Byte.Array[4], Gen.Int[0, 65535], (a, p) => new IPEndPoint(new IPAddress(a), p));

    private static readonly Gen<IPEndPoint> GenIPv6 =
        Gen.Select(Gen.Byte.Array[16], Gen.Int[0, 65535], Gen.UInt[0, 1000],
            (a, p, s) => new IPEndPoint(new IPAddress(a, (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ? s : 0), p));

    [Fact]
    public void TryRead_IPv4FromDotnetSerialize_SameEndpoint() => GenIPv4.Sample(ep =>
    {
        var sa = ep.Serialize();
        Assert.Equal(Sockaddr.ReadFailure.None, Sockaddr.TryRead(sa.Buffer.Span[..sa.Size], out var read));
        Assert.Equal(ep, read.ToIPEndPoint());
        Assert.Equal(AddressFamily.InterNetwork, read.Family);
    });

    [Fact]
    public void TryRead_IPv6FromDotnetSerialize_SameEndpoint() => GenIPv6.Sample(ep =>
    {
        var sa = ep.Serialize();
        Assert.Equal(Sockaddr.ReadFailure.None, Sockaddr.TryRead(sa.Buffer.Span[..sa.Size], out var read));
        Assert.Equal(ep, read.ToIPEndPoint());
        Assert.Equal((uint)ep.Address.ScopeId, read.ScopeId);
    });

    [Fact]
    public void Write_IPv4AndIPv6_ByteForByteAsDotnetSerialize() => Gen.OneOf(GenIPv4, GenIPv6).Sample(ep =>
    {
        var expected = ep.Serialize();
        Span<byte> written = stackalloc byte[Sockaddr.SlotSize];
        var size = Sockaddr.Write(UdpEndpoint.FromIPEndPoint(ep), ep.AddressFamily, written);
        Assert.Equal(expected.Size, size);
        Assert.True(expected.Buffer.Span[..size].SequenceEqual(written[..size]));
    });

    [Fact]
    public void Write_IPv4EndpointOnIPv6Socket_IsIPv4Mapped()
    {
        var ep = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 4000);
        Span<byte> written = stackalloc byte[Sockaddr.SlotSize];
        var size = Sockaddr.Write(UdpEndpoint.FromIPEndPoint(ep), AddressFamily.InterNetworkV6, written);
        var expected = new IPEndPoint(ep.Address.MapToIPv6(), 4000).Serialize();
        Assert.Equal(expected.Size, size);
        Assert.True(expected.Buffer.Span[..size].SequenceEqual(written[..size]));
    }

    [Fact]
    public void Write_IPv6EndpointOnIPv4Socket_ReturnsZero()
    {
        var ep = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 4000));
        Span<byte> written = stackalloc byte[Sockaddr.SlotSize];
        Assert.Equal(0, Sockaddr.Write(ep, AddressFamily.InterNetwork, written));
    }

    [Fact]
    public void Write_MappedIPv6EndpointOnIPv4Socket_WritesTheIPv4Address()
    {
        var ep = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.9"), 53));
        Span<byte> written = stackalloc byte[Sockaddr.SlotSize];
        var size = Sockaddr.Write(ep, AddressFamily.InterNetwork, written);
        var expected = new IPEndPoint(IPAddress.Parse("198.51.100.9"), 53).Serialize();
        Assert.True(expected.Buffer.Span[..expected.Size].SequenceEqual(written[..size]));
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("2001:db8::5")]
    public void TryRead_EveryTruncatedPrefix_ReportsTruncatedNeverThrows(string address)
    {
        var sa = new IPEndPoint(IPAddress.Parse(address), 100).Serialize();
        var full = sa.Buffer.Span[..sa.Size].ToArray();
        var needed = address.Contains(':') ? Sockaddr.IPv6Size : 8; // IPv4 needs family, port and address
        for (var length = 0; length < needed; length++)
            Assert.Equal(Sockaddr.ReadFailure.Truncated, Sockaddr.TryRead(full.AsSpan(0, length), out _));
        Assert.Equal(Sockaddr.ReadFailure.None, Sockaddr.TryRead(full, out _));
    }

    [Fact]
    public void TryRead_UnknownFamily_ReportsUnsupported()
    {
        var bytes = new byte[Sockaddr.IPv6Size];
        bytes[0] = 1; // AF_UNIX
        Assert.Equal(Sockaddr.ReadFailure.UnsupportedFamily, Sockaddr.TryRead(bytes, out _));
    }
}
