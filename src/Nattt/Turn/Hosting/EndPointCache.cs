using System.Net;
using System.Net.Sockets;

namespace Nattt.Turn.Hosting;

/// <summary>
/// Turns the <see cref="SocketAddress"/> a receive filled in into an <see cref="IPEndPoint"/> without allocating for
/// senders seen before (the engine keys allocations by IPEndPoint). Bounded: cleared when full. Not thread-safe:
/// one per receive loop.
/// </summary>
internal sealed class EndPointCache(int capacity = 65536)
{
    private static readonly IPEndPoint Template = new(IPAddress.Any, 0);
    private readonly Dictionary<SocketAddress, IPEndPoint> _map = [];

    public IPEndPoint Get(SocketAddress address)
    {
        if (_map.TryGetValue(address, out var endPoint)) return endPoint;
        if (_map.Count >= capacity) _map.Clear();
        endPoint = (IPEndPoint)Template.Create(address);
        if (endPoint.Address.IsIPv4MappedToIPv6) endPoint = new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port);
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        _map[copy] = endPoint;
        return endPoint;
    }
}
