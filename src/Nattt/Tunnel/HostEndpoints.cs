using Nattt.Packets;
using Nattt.Platform.Linux;

namespace Nattt.Tunnel;

/// <summary>Converts between the batch socket's <see cref="UdpEndpoint"/> and the engines' address values, per
/// packet and without allocating. IPv4-mapped IPv6 (from a dual-mode socket) becomes IPv4, as the engines expect;
/// the batch socket maps IPv4 back for a dual-mode socket on send.</summary>
internal static class HostEndpoints
{
    public static IpAddressValue Address(in UdpEndpoint endpoint, out ushort port)
    {
        var plain = endpoint.Unmapped;
        Span<byte> bytes = stackalloc byte[16];
        var length = plain.WriteAddress(bytes);
        port = plain.Port;
        return IpAddressValue.ReadFrom(bytes[..length]);
    }

    public static UdpEndpoint Endpoint(IpAddressValue address, ushort port)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.WriteTo(bytes);
        return address.IsIPv4 ? UdpEndpoint.FromIPv4(bytes[..4], port) : UdpEndpoint.FromIPv6(bytes, port);
    }
}
