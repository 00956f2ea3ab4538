using System.Net;
using System.Net.Sockets;

namespace Nattt.Stun.Client;

/// <summary>
/// The network as the STUN client sees it: one UDP socket. Injected so that tests can run the client over an
/// in-memory network with NAT models; <see cref="UdpStunTransport"/> is the real one.
/// </summary>
public interface IStunDatagramTransport : IDisposable
{
    /// <summary>The local address and port (the port is what the NAT maps).</summary>
    IPEndPoint LocalEndPoint { get; }

    ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken);

    /// <summary>Receives one datagram; cancellation is how a time-out ends the wait.</summary>
    ValueTask<(int Length, IPEndPoint Remote)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}

/// <summary>Creates client sockets (a discovery run needs several, each a fresh NAT mapping).</summary>
public interface IStunTransportFactory
{
    /// <summary>A new socket on an ephemeral port, of the family of <paramref name="server"/>.</summary>
    IStunDatagramTransport Create(IPEndPoint server);

    /// <summary>The local IP address this host would use to reach <paramref name="server"/> (no packet sent).</summary>
    IPAddress LocalAddressToward(IPEndPoint server);
}

/// <summary>A real UDP socket.</summary>
public sealed class UdpStunTransport : IStunDatagramTransport
{
    private readonly Socket _socket;

    public UdpStunTransport(IPEndPoint bind)
    {
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(bind);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken) =>
        await _socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken).ConfigureAwait(false);

    public async ValueTask<(int Length, IPEndPoint Remote)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
                var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // ICMP port unreachable for an earlier datagram (e.g. to an address that does not answer): keep waiting.
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>Real sockets bound to the wildcard address.</summary>
public sealed class UdpStunTransportFactory : IStunTransportFactory
{
    public IStunDatagramTransport Create(IPEndPoint server) =>
        new UdpStunTransport(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));

    public IPAddress LocalAddressToward(IPEndPoint server)
    {
        // Connecting a UDP socket picks the route and source address without sending anything.
        using var probe = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Connect(server);
        return ((IPEndPoint)probe.LocalEndPoint!).Address;
    }
}
