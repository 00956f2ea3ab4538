using System.Net;
using CsCheck;
using Nattt.Stun.Server;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Server;

public class StunServerEngineTests
{
    private static readonly IPEndPoint Primary = IPEndPoint.Parse("203.0.113.1:3478");
    private static readonly IPAddress Alternate = IPAddress.Parse("203.0.113.2");
    private static readonly IPEndPoint Client = IPEndPoint.Parse("198.51.100.9:40000");
    private static readonly byte[] Tid = Convert.FromHexString("a1a2a3a4a5a6a7a8a9aaabac");

    private delegate void Attributes(ref StunMessageWriter w);

    private static byte[] Request(Attributes? attributes = null, bool fingerprint = false, byte[]? transactionId = null,
        StunMessageType? type = null)
    {
        var buffer = new byte[1500];
        var w = new StunMessageWriter(buffer, type ?? StunMessageType.BindingRequest, transactionId ?? Tid);
        attributes?.Invoke(ref w);
        if (fingerprint) w.TryWriteFingerprint();
        return w.Written.ToArray();
    }

    private static StunServerEngine Engine(bool rfc5780 = true, StunServerOptions? options = null) =>
        new(new StunServerAddresses(Primary, rfc5780 ? Alternate : null), options);

    private static (StunServerReply Reply, byte[] Response) Handle(StunServerEngine engine, byte[] request,
        StunServerEndpointId? arrivedOn = null, StunTransport transport = StunTransport.Udp)
    {
        var response = new byte[1500];
        var reply = engine.Handle(request, Client, arrivedOn ?? StunServerEndpointId.Primary, transport, response);
        return (reply, response[..reply.Length]);
    }

    private static StunMessageReader Parse(byte[] response)
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(response, out var m));
        return m;
    }

    [Fact]
    public void Handle_BindingRequestWithoutAlternate_XorMappedAddressOnly()
    {
        var (reply, response) = Handle(Engine(rfc5780: false), Request());
        var m = Parse(response);
        Assert.Equal(StunMessageType.BindingSuccess, m.Type);
        Assert.Equal(Tid, m.TransactionId.ToArray());
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var mapped));
        Assert.Equal(Client, mapped);
        Assert.False(m.Has(StunAttributeType.OtherAddress));
        Assert.False(m.Has(StunAttributeType.MappedAddress));
        Assert.False(m.HasFingerprint);
        Assert.Equal(StunServerEndpointId.Primary, reply.SendFrom);
        Assert.Equal(Client, reply.SendTo);
    }

    [Fact]
    public void Handle_WithAlternate_OtherAddressAndResponseOrigin()
    {
        var arrived = new StunServerEndpointId(AlternateIp: true, AlternatePort: false);
        var (reply, response) = Handle(Engine(), Request(fingerprint: true), arrived);
        var m = Parse(response);
        Assert.Equal(StunError.None, OtherAddressAttribute.Read(m, out var other));
        Assert.Equal(IPEndPoint.Parse("203.0.113.1:3479"), other);
        Assert.Equal(StunError.None, ResponseOriginAttribute.Read(m, out var origin));
        Assert.Equal(IPEndPoint.Parse("203.0.113.2:3478"), origin);
        Assert.Equal(arrived, reply.SendFrom);
        Assert.True(m.IsFingerprintValid());
    }

    [Theory]
    [InlineData(StunChangeRequest.ChangeIP | StunChangeRequest.ChangePort, "203.0.113.2:3479")]
    [InlineData(StunChangeRequest.ChangePort, "203.0.113.1:3479")]
    [InlineData(StunChangeRequest.ChangeIP, "203.0.113.2:3478")]
    [InlineData(StunChangeRequest.None, "203.0.113.1:3478")]
    public void Handle_ChangeRequest_AnsweredFromTheOtherEndpoint(StunChangeRequest change, string expectedOrigin)
    {
        var engine = Engine();
        var (reply, response) = Handle(engine, Request((ref StunMessageWriter w) => ChangeRequestAttribute.TryWrite(ref w, change)));
        var m = Parse(response);
        Assert.Equal(IPEndPoint.Parse(expectedOrigin), engine.Addresses[reply.SendFrom]);
        Assert.Equal(StunError.None, ResponseOriginAttribute.Read(m, out var origin));
        Assert.Equal(IPEndPoint.Parse(expectedOrigin), origin);
    }

    [Fact]
    public void Handle_ChangeRequestWithoutAlternate_420ListingIt()
    {
        var engine = Engine(rfc5780: false);
        var (_, response) = Handle(engine, Request((ref StunMessageWriter w) => ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.ChangeIP)));
        AssertError(response, 420, StunAttributeType.ChangeRequest);
        Assert.Equal(1, engine.Counters.ErrorResponses);
    }

    [Fact]
    public void Handle_ChangeRequestOverTcp_420()
    {
        var (_, response) = Handle(Engine(), Request((ref StunMessageWriter w) => ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.ChangePort)),
            transport: StunTransport.Tcp);
        AssertError(response, 420, StunAttributeType.ChangeRequest);
    }

    [Fact]
    public void Handle_Rfc3489Request_MappedSourceAndChangedAddress()
    {
        var legacyId = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var engine = Engine();
        var (reply, response) = Handle(engine, Request((ref StunMessageWriter w) =>
            ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.ChangeIP | StunChangeRequest.ChangePort), transactionId: legacyId));
        var m = Parse(response);
        Assert.True(m.IsRfc3489);
        Assert.Equal(legacyId, m.CookieAndTransactionId.ToArray());
        Assert.Equal(StunError.None, MappedAddressAttribute.Read(m, out var mapped)); Assert.Equal(Client, mapped);
        Assert.Equal(StunError.None, SourceAddressAttribute.Read(m, out var source)); Assert.Equal(IPEndPoint.Parse("203.0.113.2:3479"), source);
        Assert.Equal(StunError.None, ChangedAddressAttribute.Read(m, out var changed)); Assert.Equal(IPEndPoint.Parse("203.0.113.2:3479"), changed);
        Assert.False(m.Has(StunAttributeType.XorMappedAddress));
        Assert.Equal(new StunServerEndpointId(true, true), reply.SendFrom);
        Assert.Equal(1, engine.Counters.Rfc3489Requests);
    }

    [Fact]
    public void Handle_Rfc3489ZeroChangeRequestWithoutAlternate_Answered()
    {
        var (_, response) = Handle(Engine(rfc5780: false), Request((ref StunMessageWriter w) =>
            ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.None), transactionId: new byte[16]));
        Assert.Equal(StunMessageType.BindingSuccess, Parse(response).Type);
    }

    [Fact]
    public void Handle_UnknownComprehensionRequired_420_OptionalIgnored()
    {
        var (_, response) = Handle(Engine(), Request((ref StunMessageWriter w) =>
        {
            w.TryWriteAttribute((StunAttributeType)0x7777, "x"u8);
            w.TryWriteAttribute((StunAttributeType)0xC001, "y"u8);
        }, fingerprint: true));
        AssertError(response, 420, (StunAttributeType)0x7777);
        Assert.True(Parse(response).IsFingerprintValid());

        var (_, ok) = Handle(Engine(), Request((ref StunMessageWriter w) => w.TryWriteAttribute((StunAttributeType)0xC001, "y"u8)));
        Assert.Equal(StunMessageType.BindingSuccess, Parse(ok).Type);
    }

    [Fact]
    public void Handle_ResponseAddress_NotHonoured420()
    {
        var (_, response) = Handle(Engine(), Request((ref StunMessageWriter w) =>
            StunAddress.TryWrite(ref w, StunAttributeType.ResponseAddress, IPEndPoint.Parse("192.0.2.99:53")), transactionId: new byte[16]));
        AssertError(response, 420, StunAttributeType.ResponseAddress);
    }

    [Fact]
    public void Handle_OtherMethod_400()
    {
        var (_, response) = Handle(Engine(), Request(type: new StunMessageType(StunMethod.Allocate, StunClass.Request)));
        var m = Parse(response);
        Assert.Equal(new StunMessageType(StunMethod.Allocate, StunClass.ErrorResponse), m.Type);
        Assert.Equal(StunError.None, ErrorCodeAttribute.Read(m, out int code, out _));
        Assert.Equal(400, code);
    }

    [Fact]
    public void Handle_ResponsePort_SentToThatPortOnTheSameIp()
    {
        var (reply, _) = Handle(Engine(), Request((ref StunMessageWriter w) => ResponsePortAttribute.TryWrite(ref w, 50000)));
        Assert.Equal(new IPEndPoint(Client.Address, 50000), reply.SendTo);
        var (_, tcp) = Handle(Engine(), Request((ref StunMessageWriter w) => ResponsePortAttribute.TryWrite(ref w, 50000)), transport: StunTransport.Tcp);
        AssertError(tcp, 420, StunAttributeType.ResponsePort);
    }

    [Fact]
    public void Handle_Padding_ResponseAsLargeAsRequestNeverLarger()
    {
        var request = Request((ref StunMessageWriter w) => PaddingAttribute.TryWrite(ref w, 1000), fingerprint: true);
        var (_, response) = Handle(Engine(), request);
        Assert.InRange(response.Length, request.Length - 3, request.Length);
        Assert.True(Parse(response).IsFingerprintValid());
    }

    [Fact]
    public void Handle_NotARequestMalformedOrBadFingerprint_DroppedAndCounted()
    {
        var engine = Engine();
        Assert.True(Handle(engine, Request(type: StunMessageType.BindingIndication)).Reply.IsDrop);
        Assert.True(Handle(engine, Request(type: StunMessageType.BindingSuccess)).Reply.IsDrop);
        var (malformed, _) = Handle(engine, [0, 1, 0, 4, 0x21, 0x12]);
        Assert.Equal(StunError.HeaderTruncated, malformed.Error);
        var bad = Request(fingerprint: true);
        bad[^1] ^= 1;
        Assert.Equal(StunServerDropReason.FingerprintMismatch, Handle(engine, bad).Reply.Drop);
        Assert.Equal(2, engine.Counters.Dropped(StunServerDropReason.NotARequest));
        Assert.Equal(1, engine.Counters.Malformed(StunError.HeaderTruncated));
        Assert.Equal(1, engine.Counters.Dropped(StunServerDropReason.FingerprintMismatch));
        Assert.Equal(0, engine.Counters.Requests);
    }

    [Fact]
    public void Handle_IPv4MappedClient_AnsweredAsIPv4()
    {
        var response = new byte[600];
        var mappedClient = new IPEndPoint(Client.Address.MapToIPv6(), Client.Port);
        var reply = Engine().Handle(Request(), mappedClient, StunServerEndpointId.Primary, StunTransport.Udp, response);
        var m = Parse(response[..reply.Length]);
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var mapped));
        Assert.Equal(Client, mapped);
    }

    [Fact]
    public void Handle_IPv6ServerAndClient_XorMappedIPv6AndRfc5780Endpoints()
    {
        var engine = new StunServerEngine(new StunServerAddresses(IPEndPoint.Parse("[2001:db8::1]:3478"), IPAddress.Parse("2001:db8::2")));
        var client = IPEndPoint.Parse("[2001:db8:1::99]:50000");
        var response = new byte[600];
        var reply = engine.Handle(Request((ref StunMessageWriter w) => ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.ChangeIP)),
            client, StunServerEndpointId.Primary, StunTransport.Udp, response);
        var m = Parse(response[..reply.Length]);
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(m, out var mapped)); Assert.Equal(client, mapped);
        Assert.Equal(StunError.None, OtherAddressAttribute.Read(m, out var other)); Assert.Equal(IPEndPoint.Parse("[2001:db8::2]:3479"), other);
        Assert.Equal(StunError.None, ResponseOriginAttribute.Read(m, out var origin)); Assert.Equal(IPEndPoint.Parse("[2001:db8::2]:3478"), origin);
    }

    [Fact]
    public void Addresses_AlternateOfOtherFamilyOrSameAddress_Refused()
    {
        Assert.Throws<ArgumentException>(() => new StunServerAddresses(Primary, IPAddress.Parse("2001:db8::2")));
        Assert.Throws<ArgumentException>(() => new StunServerAddresses(Primary, Primary.Address));
        Assert.Throws<ArgumentException>(() => new StunServerAddresses(Primary, Alternate, 3478));
        Assert.Throws<InvalidOperationException>(() => new StunServerAddresses(Primary)[new StunServerEndpointId(true, false)]);
    }

    [Fact]
    public void Handle_RandomInput_NeverThrowsNeverAmplifiesMuch()
    {
        var engine = Engine();
        var response = new byte[1500];
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var reply = engine.Handle(bytes, Client, StunServerEndpointId.Primary, StunTransport.Udp, response);
            Assert.True(reply.IsDrop || reply.Length <= Math.Max(bytes.Length, StunServerEngine.MinResponseBuffer));
        }, iter: 20_000);
    }

    private static void AssertError(byte[] response, int expectedCode, StunAttributeType expectedUnknown)
    {
        var m = Parse(response);
        Assert.Equal(StunMessageType.BindingError, m.Type);
        Assert.Equal(StunError.None, ErrorCodeAttribute.Read(m, out int code, out _));
        Assert.Equal(expectedCode, code);
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[4];
        Assert.Equal(StunError.None, UnknownAttributesAttribute.Read(m, unknown, out int count));
        Assert.Contains(expectedUnknown, unknown[..count].ToArray());
    }
}
